var searchData=
[
  ['len_0',['len',['../structcogen__str.html#a127d4bf138179cdbad14af093aa856e6',1,'cogen_str']]]
];
