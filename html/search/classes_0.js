var searchData=
[
  ['cogen_5fbatch_0',['cogen_batch',['../structcogen__batch.html',1,'']]],
  ['cogen_5ferr_1',['cogen_err',['../structcogen__err.html',1,'']]],
  ['cogen_5fopts_2',['cogen_opts',['../structcogen__opts.html',1,'']]],
  ['cogen_5fsource_5fopts_3',['cogen_source_opts',['../structcogen__source__opts.html',1,'']]],
  ['cogen_5fstr_4',['cogen_str',['../structcogen__str.html',1,'']]],
  ['cogen_5fstrlist_5',['cogen_strlist',['../structcogen__strlist.html',1,'']]]
];
