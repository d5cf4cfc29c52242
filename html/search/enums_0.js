var searchData=
[
  ['cogen_5ferrno_0',['cogen_errno',['../errors_8h.html#ae6e33af2fd2aa529ec07b5ac59a6ee81',1,'errors.h']]]
];
