var searchData=
[
  ['max_5flines_0',['max_lines',['../structcogen__source__opts.html#a95da5bee2efb35e5c2dbbbc60b79e028',1,'cogen_source_opts']]],
  ['msg_1',['msg',['../structcogen__err.html#acc351f316da5411dc30e79af900667f2',1,'cogen_err']]]
];
