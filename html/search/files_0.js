var searchData=
[
  ['api_2emd_0',['api.md',['../api_8md.html',1,'']]]
];
