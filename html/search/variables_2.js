var searchData=
[
  ['flags_0',['flags',['../structcogen__opts.html#af327d5c6d1983567fca4c79c5517761c',1,'cogen_opts::flags()'],['../structcogen__source__opts.html#a7b16e85505b9a6409c18e99dd7379c61',1,'cogen_source_opts::flags()']]]
];
