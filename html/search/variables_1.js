var searchData=
[
  ['cap_0',['cap',['../structcogen__strlist.html#a8ff62d561966c74faf675458cf509c9d',1,'cogen_strlist']]],
  ['code_1',['code',['../structcogen__err.html#a4a35548918bd03efca9ef54ddf82390e',1,'cogen_err']]]
];
