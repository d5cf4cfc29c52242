var searchData=
[
  ['batch_0',['batch',['../structcogen__source__opts.html#a9770a70ac4401caaf18314c60aeabfaf',1,'cogen_source_opts']]],
  ['bufsize_1',['bufsize',['../structcogen__source__opts.html#af0affd7a234152b06d164d3590d4e313',1,'cogen_source_opts']]]
];
