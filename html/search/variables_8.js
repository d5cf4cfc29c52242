var searchData=
[
  ['stack_5fsize_0',['stack_size',['../structcogen__opts.html#a4ac9361609761c8a8029e6ffdc5cbafa',1,'cogen_opts']]],
  ['stop_1',['stop',['../structcogen__source__opts.html#ae9f1d6b75f61ffd14898f334f949cedc',1,'cogen_source_opts']]]
];
