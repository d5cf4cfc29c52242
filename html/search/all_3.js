var searchData=
[
  ['errors_2eh_0',['errors.h',['../errors_8h.html',1,'']]]
];
