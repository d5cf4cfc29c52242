var searchData=
[
  ['cogen_20api_20reference_0',['cogen API reference',['../index.html',1,'']]]
];
