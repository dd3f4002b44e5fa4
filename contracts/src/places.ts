/** Display names of the demo district's places, for zh-CN pages (code and events use the ids). */
export const PLACE_LABELS: Readonly<Record<string, string>> = {
  kutao: '枯桃',
  moujia: '牟家',
  wenzhang: '文张',
  zhengzhang: '郑张',
  zhangcun: '张村',
  edinburgh: '爱丁堡',
  nanzhang: '南张',
  zhangcunhe: '张村河',
  taoyuanju: '桃源居',
  'enma-villas': '恩马墅园',
  'yishan-bancheng-1': '依山伴城一期',
};

export const placeLabel = (id: string): string => PLACE_LABELS[id] ?? id;
