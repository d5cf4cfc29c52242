var searchData=
[
  ['v_0',['v',['../structcogen__strlist.html#a52b8a4c3cb0311b5cdc32d4efb6f3428',1,'cogen_strlist']]]
];
