var searchData=
[
  ['where_0',['where',['../structcogen__err.html#a84f57d465cb193c2a4361ddf7c905a6d',1,'cogen_err']]]
];
