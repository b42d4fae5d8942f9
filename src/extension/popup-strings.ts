/**
 * The popup's own words, given to its `<starling-bridge>` as `data-strings` (docs/widget.md): in the
 * extension the relay runs without any tab, so the widget's "keep this tab open" would be wrong.
 */
export const POPUP_STRINGS = {
  en: { hint: 'Starling keeps helping while your browser is open, even with this window closed.' },
  'zh-CN': { hint: '只要浏览器开着，即使关闭此窗口，Starling 也会继续提供帮助。' },
  'zh-TW': { hint: '只要瀏覽器開著，即使關閉此視窗，Starling 也會繼續提供協助。' },
  fa: { hint: 'تا وقتی مرورگرتان باز است، Starling به کمک ادامه می‌دهد، حتی اگر این پنجره را ببندید.' },
  ar: { hint: 'يواصل Starling المساعدة ما دام متصفحك مفتوحًا، حتى بعد إغلاق هذه النافذة.' },
  ru: { hint: 'Starling продолжает помогать, пока открыт браузер, даже если закрыть это окно.' },
  es: { hint: 'Starling sigue ayudando mientras tu navegador esté abierto, aunque cierres esta ventana.' },
  tr: {
    hint: 'Tarayıcınız açık olduğu sürece, bu pencere kapalı olsa bile Starling yardım etmeye devam eder.',
  },
  uk: { hint: 'Starling і далі допомагає, поки відкритий браузер, навіть якщо закрити це вікно.' },
  vi: { hint: 'Starling vẫn tiếp tục giúp đỡ khi trình duyệt còn mở, kể cả khi bạn đóng cửa sổ này.' },
  ko: { hint: '브라우저가 열려 있는 동안에는 이 창을 닫아도 Starling이 계속 돕습니다.' },
  my: { hint: 'ဤဝင်းဒိုးကို ပိတ်ထားသော်လည်း ဘရောက်ဆာ ဖွင့်ထားသရွေ့ Starling က ဆက်ကူညီနေပါမည်။' },
  ur: { hint: 'جب تک آپ کا براؤزر کھلا ہے، یہ ونڈو بند کرنے کے بعد بھی Starling مدد جاری رکھتا ہے۔' },
} as const;
