var searchData=
[
  ['n_0',['n',['../structcogen__batch.html#a44bf27b893175266a4d162c9423a1d5b',1,'cogen_batch::n()'],['../structcogen__strlist.html#a9db0b06d72ad4123d8f6369e82172a4c',1,'cogen_strlist::n()']]],
  ['name_1',['name',['../structcogen__opts.html#abad72198d484a35475c7196619526f4c',1,'cogen_opts::name()'],['../structcogen__source__opts.html#a32d8e5fcc494eddd5f664f6846919260',1,'cogen_source_opts::name()']]]
];
