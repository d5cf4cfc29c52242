var searchData=
[
  ['idle_5fms_0',['idle_ms',['../structcogen__source__opts.html#acbc0439327b17b4d59a832ccff654e0f',1,'cogen_source_opts']]],
  ['items_1',['items',['../structcogen__batch.html#a8717723e62a5afdd8143769a9cade7b5',1,'cogen_batch']]]
];
