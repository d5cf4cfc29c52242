var searchData=
[
  ['pipe_2eh_0',['pipe.h',['../pipe_8h.html',1,'']]]
];
