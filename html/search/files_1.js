var searchData=
[
  ['cogen_2eh_0',['cogen.h',['../cogen_8h.html',1,'']]]
];
