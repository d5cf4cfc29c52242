var searchData=
[
  ['poll_5fms_0',['poll_ms',['../structcogen__source__opts.html#a7c1a3df276bd5b0f3615382e068fbd38',1,'cogen_source_opts']]],
  ['ptr_1',['ptr',['../structcogen__str.html#a91208cb2af2fb86508565b2fcbd7ea2b',1,'cogen_str']]]
];
