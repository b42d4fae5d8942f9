/**
 * The widget's words in Turkish, Ukrainian, Vietnamese, Korean, Burmese and Urdu (right to left). Same keys
 * as strings.ts; a site may override any of them (`data-strings`).
 */
import type { Strings } from './strings.js';

export const tr: Strings = {
  title: 'İnsanların sansürü aşmasına yardım edin',
  intro:
    'Bu açıkken, interneti sansürleyen ülkelerdeki insanlar tarayıcınız üzerinden özgür internete ulaşabilir. Trafikleri şifrelidir: siz okuyamazsınız.',
  switchLabel: 'Köprü ol',
  off: 'Kapalı. Yardım etmek için açın.',
  connecting: 'Bağlanıyor…',
  waiting: 'Açık. Köprüye ihtiyacı olan birini bekliyor…',
  helping: { one: 'Şu anda {n} kişiye yardım ediyorsunuz.', other: 'Şu anda {n} kişiye yardım ediyorsunuz.' },
  paused: 'Bu sekme arka plandayken duraklatıldı. Geri döndüğünüzde devam eder.',
  brokerDown: 'Starling hizmetine ulaşılamıyor. İnternet bağlantınızı kontrol edin; denemeye devam edeceğiz.',
  noWebrtc:
    'Bu tarayıcı eşler arası (WebRTC) bağlantı kuramıyor. Başka bir tarayıcı deneyin ya da ayarlarda veya eklentilerde WebRTC’ye izin verin.',
  misconfigured:
    'Bu bileşen doğru kurulmamış. Bu sitenin yöneticisiyseniz data-broker ve data-egress ayarlarını kontrol edin.',
  failed: 'Bir şeyler ters gitti. Denemeye devam edeceğiz.',
  helpingNow: 'Şu an yardım',
  helpedTotal: 'Yardım edilen kişi',
  relayed: 'Aktarılan veri',
  notice: 'Az önce biri sizin üzerinizden bağlandı. Teşekkürler!',
  hint: 'Yardım etmeye devam etmek için bu sekmeyi açık tutun.',
  learnMore: 'Neyi paylaşıyorum?',
  shareIp:
    'Yardım ettiğiniz kişiler IP adresinizi görür; her eşler arası (WebRTC) bağlantı bunu gerektirir. Sizinle ilgili başka bir şey öğrenmezler.',
  shareEgress:
    'Trafikleri şifrelidir: siz okuyamazsınız. İnternete sizin bağlantınızdan değil, Starling’in çıkış sunucusundan çıkar; bu yüzden ziyaret ettikleri siteler sizin adresinizi değil, çıkış sunucusunun adresini görür.',
  shareSite:
    'Bu site yalnızca anahtarınızın açık olup olmadığını öğrenir. Sizi yardım ettiğiniz kişilerle tanıştıran Starling hizmeti IP adresinizi ve bu sayfanın adresini görür (bu site üzerinden yardım edilen kişileri yuvarlanmış olarak saymak için); hiçbir IP adresini saklamaz.',
  shareCost:
    'Bu sayfa açıkken bant genişliğinizin bir kısmını kullanır. İstediğiniz an kapatabilirsiniz; yardım ettiğiniz kişiler fark etmeden başka bir gönüllüye geçer.',
  pausedBattery: 'Bu cihaz pille çalışırken duraklatıldı. Şarja taktığınızda devam eder.',
  capReached: 'Tamamlandı: Bu sayfanın izin verdiği tüm veriyi aktardınız. Teşekkürler!',
};

export const uk: Strings = {
  title: 'Допоможіть людям обходити цензуру',
  intro:
    'Поки перемикач увімкнено, люди в країнах з інтернет-цензурою можуть виходити у відкритий інтернет через ваш браузер. Їхній трафік зашифровано: ви не можете його прочитати.',
  switchLabel: 'Стати мостом',
  off: 'Вимкнено. Увімкніть, щоб допомогти.',
  connecting: 'Підключення…',
  waiting: 'Увімкнено. Чекаємо на тих, кому потрібен міст…',
  helping: {
    one: 'Зараз ви допомагаєте {n} людині.',
    few: 'Зараз ви допомагаєте {n} людям.',
    many: 'Зараз ви допомагаєте {n} людям.',
    other: 'Зараз ви допомагаєте {n} людини.',
  },
  paused: 'Призупинено, поки вкладка у фоні. Робота продовжиться, коли ви повернетеся.',
  brokerDown:
    'Не вдається зв’язатися із сервісом Starling. Перевірте підключення до інтернету — ми не припинимо спроб.',
  noWebrtc:
    'Цей браузер не може встановлювати прямі з’єднання (WebRTC). Спробуйте інший браузер або дозвольте WebRTC у налаштуваннях чи розширеннях.',
  misconfigured:
    'Віджет налаштовано неправильно. Якщо ви власник сайту, перевірте параметри data-broker і data-egress.',
  failed: 'Щось пішло не так. Ми не припинимо спроб.',
  helpingNow: 'Допомагаєте зараз',
  helpedTotal: 'Усього допомогли',
  relayed: 'Передано даних',
  notice: 'Щойно через вас підключилася людина. Дякуємо!',
  hint: 'Не закривайте цю вкладку, щоб і далі допомагати.',
  learnMore: 'Чим я ділюся?',
  shareIp:
    'Ті, кому ви допомагаєте, бачать вашу IP-адресу: без цього не працює жодне пряме з’єднання (WebRTC). Більше вони нічого про вас не дізнаються.',
  shareEgress:
    'Їхній трафік зашифровано: ви не можете його прочитати. В інтернет він виходить через вихідний сервер Starling, а не через ваше підключення, тож сайти, які вони відкривають, бачать адресу цього сервера, а не вашу.',
  shareSite:
    'Цей сайт дізнається лише, чи увімкнено ваш перемикач. Сервіс Starling, який знайомить вас із тими, кому ви допомагаєте, бачить вашу IP-адресу та адресу цієї сторінки (щоб приблизно рахувати, скільком людям допоміг цей сайт) і не зберігає IP-адрес.',
  shareCost:
    'Поки сторінка відкрита, використовується частина вашого каналу. Вимкнути можна будь-коли: ті, кому ви допомагаєте, непомітно перейдуть до іншого волонтера.',
  pausedBattery: 'Призупинено, поки пристрій працює від батареї. Продовжиться, коли ви підключите живлення.',
  capReached: 'Готово: ви передали весь обсяг даних, який дозволяє ця сторінка. Дякуємо!',
};

export const vi: Strings = {
  title: 'Giúp mọi người vượt qua kiểm duyệt',
  intro:
    'Khi bật, người dân ở các nước kiểm duyệt internet có thể truy cập internet tự do qua trình duyệt của bạn. Dữ liệu của họ được mã hóa: bạn không thể đọc được.',
  switchLabel: 'Làm cầu nối',
  off: 'Đang tắt. Hãy bật để giúp đỡ.',
  connecting: 'Đang kết nối…',
  waiting: 'Đang bật. Đang chờ người cần cầu nối…',
  helping: { other: 'Bạn đang giúp {n} người.' },
  paused: 'Tạm dừng khi thẻ này ở chế độ nền. Sẽ tiếp tục khi bạn quay lại.',
  brokerDown:
    'Không thể kết nối tới dịch vụ Starling. Hãy kiểm tra kết nối internet; chúng tôi sẽ tiếp tục thử.',
  noWebrtc:
    'Trình duyệt này không thể tạo kết nối ngang hàng (WebRTC). Hãy thử trình duyệt khác, hoặc cho phép WebRTC trong cài đặt hay tiện ích mở rộng.',
  misconfigured:
    'Tiện ích này chưa được thiết lập đúng. Nếu bạn quản lý trang này, hãy kiểm tra thiết lập data-broker và data-egress.',
  failed: 'Đã xảy ra lỗi. Chúng tôi sẽ tiếp tục thử.',
  helpingNow: 'Đang giúp',
  helpedTotal: 'Số người đã giúp',
  relayed: 'Dữ liệu đã chuyển',
  notice: 'Vừa có người kết nối qua bạn. Cảm ơn bạn!',
  hint: 'Hãy giữ thẻ này mở để tiếp tục giúp đỡ.',
  learnMore: 'Tôi chia sẻ những gì?',
  shareIp:
    'Những người bạn giúp sẽ thấy địa chỉ IP của bạn, như mọi kết nối ngang hàng (WebRTC) đều cần. Họ không biết gì khác về bạn.',
  shareEgress:
    'Dữ liệu của họ được mã hóa: bạn không thể đọc được. Dữ liệu ra internet qua máy chủ thoát của Starling, không qua kết nối internet của bạn, nên các trang họ truy cập thấy địa chỉ của máy chủ đó chứ không phải của bạn.',
  shareSite:
    'Trang này chỉ biết công tắc của bạn đang bật hay tắt. Dịch vụ Starling, nơi kết nối bạn với những người bạn giúp, thấy địa chỉ IP của bạn và địa chỉ trang này (để đếm, đã làm tròn, số người được giúp qua trang này); dịch vụ không lưu địa chỉ IP nào.',
  shareCost:
    'Nó dùng một phần băng thông của bạn khi trang này còn mở. Bạn có thể tắt bất cứ lúc nào; những người bạn giúp sẽ chuyển sang tình nguyện viên khác mà không nhận ra.',
  pausedBattery: 'Tạm dừng khi thiết bị đang chạy bằng pin. Sẽ tiếp tục khi bạn cắm sạc.',
  capReached: 'Xong: bạn đã chuyển hết lượng dữ liệu trang này cho phép. Cảm ơn bạn!',
};

export const ko: Strings = {
  title: '검열을 피하도록 사람들을 도와주세요',
  intro:
    '이 기능이 켜져 있는 동안 인터넷을 검열하는 나라의 사람들이 여러분의 브라우저를 통해 열린 인터넷에 접속할 수 있습니다. 이들의 트래픽은 암호화되어 있어 여러분은 읽을 수 없습니다.',
  switchLabel: '다리 되기',
  off: '꺼짐. 켜서 도와주세요.',
  connecting: '연결 중…',
  waiting: '켜짐. 다리가 필요한 사람을 기다리는 중…',
  helping: { other: '지금 {n}명을 돕고 있습니다.' },
  paused: '이 탭이 백그라운드에 있는 동안 일시 중지됩니다. 돌아오면 다시 시작됩니다.',
  brokerDown: 'Starling 서비스에 연결할 수 없습니다. 인터넷 연결을 확인해 주세요. 계속 시도하겠습니다.',
  noWebrtc:
    '이 브라우저는 P2P(WebRTC) 연결을 만들 수 없습니다. 다른 브라우저를 사용하거나 설정 또는 확장 프로그램에서 WebRTC를 허용해 주세요.',
  misconfigured:
    '이 위젯이 올바르게 설정되지 않았습니다. 이 사이트의 운영자라면 data-broker와 data-egress 설정을 확인해 주세요.',
  failed: '문제가 발생했습니다. 계속 시도하겠습니다.',
  helpingNow: '지금 돕는 중',
  helpedTotal: '도운 사람',
  relayed: '전달한 데이터',
  notice: '방금 누군가 여러분을 통해 연결되었습니다. 감사합니다!',
  hint: '계속 도우려면 이 탭을 열어 두세요.',
  learnMore: '무엇을 공유하나요?',
  shareIp:
    '여러분이 돕는 사람들은 여러분의 IP 주소를 보게 됩니다. 모든 P2P(WebRTC) 연결에 필요하기 때문입니다. 그 밖에는 여러분에 대해 아무것도 알 수 없습니다.',
  shareEgress:
    '이들의 트래픽은 암호화되어 있어 여러분은 읽을 수 없습니다. 트래픽은 여러분의 인터넷 연결이 아니라 Starling의 출구 서버를 통해 인터넷으로 나가므로, 이들이 방문하는 사이트에는 여러분이 아닌 출구 서버의 주소가 보입니다.',
  shareSite:
    '이 사이트는 스위치가 켜져 있는지만 알 수 있습니다. 여러분과 도움을 받는 사람을 연결해 주는 Starling 서비스는 여러분의 IP 주소와 이 페이지의 주소를 봅니다(이 사이트를 통해 도움을 받은 사람 수를 반올림해 세기 위해서입니다). IP 주소는 저장하지 않습니다.',
  shareCost:
    '이 페이지가 열려 있는 동안 대역폭의 일부를 사용합니다. 언제든지 끌 수 있으며, 여러분이 돕던 사람들은 모르는 사이에 다른 자원봉사자에게 옮겨 갑니다.',
  pausedBattery: '이 기기가 배터리로 작동하는 동안 일시 중지됩니다. 전원을 연결하면 다시 시작됩니다.',
  capReached: '완료: 이 페이지에서 허용하는 데이터를 모두 전달했습니다. 감사합니다!',
};

export const my: Strings = {
  title: 'ဆင်ဆာကို ကျော်လွှားနိုင်အောင် လူတွေကို ကူညီပါ',
  intro:
    'ဒါကို ဖွင့်ထားစဉ် အင်တာနက်ကို ဆင်ဆာလုပ်သော နိုင်ငံများမှ လူများသည် သင့်ဘရောက်ဆာမှတစ်ဆင့် လွတ်လပ်သော အင်တာနက်သို့ ရောက်နိုင်ပါသည်။ သူတို့၏ ဒေတာများကို စာဝှက်ထားသဖြင့် သင် ဖတ်၍မရပါ။',
  switchLabel: 'တံတားဖြစ်ပါ',
  off: 'ပိတ်ထားသည်။ ကူညီရန် ဖွင့်ပါ။',
  connecting: 'ချိတ်ဆက်နေသည်…',
  waiting: 'ဖွင့်ထားသည်။ တံတားလိုအပ်သူကို စောင့်နေသည်…',
  helping: { other: 'သင်သည် ယခု လူ {n} ဦးကို ကူညီနေပါသည်။' },
  paused: 'ဤတက်ဘ်သည် နောက်ခံတွင် ရှိနေစဉ် ခေတ္တရပ်ထားသည်။ သင် ပြန်လာသောအခါ ဆက်လုပ်ပါမည်။',
  brokerDown: 'Starling ဝန်ဆောင်မှုသို့ ချိတ်ဆက်၍မရပါ။ သင့်အင်တာနက်ကို စစ်ဆေးပါ။ ကျွန်ုပ်တို့ ဆက်ကြိုးစားပါမည်။',
  noWebrtc:
    'ဤဘရောက်ဆာသည် peer-to-peer (WebRTC) ချိတ်ဆက်မှု မလုပ်နိုင်ပါ။ အခြားဘရောက်ဆာကို စမ်းကြည့်ပါ သို့မဟုတ် ဆက်တင် သို့မဟုတ် extension များတွင် WebRTC ကို ခွင့်ပြုပါ။',
  misconfigured: 'ဤ widget ကို မှန်ကန်စွာ စနစ်မထည့်ထားပါ။ ဤဆိုက်ကို သင်စီမံပါက data-broker နှင့် data-egress ဆက်တင်များကို စစ်ဆေးပါ။',
  failed: 'တစ်ခုခု မှားယွင်းသွားသည်။ ကျွန်ုပ်တို့ ဆက်ကြိုးစားပါမည်။',
  helpingNow: 'ယခု ကူညီနေသူ',
  helpedTotal: 'ကူညီခဲ့သူ',
  relayed: 'လွှဲပေးခဲ့သော ဒေတာ',
  notice: 'တစ်စုံတစ်ယောက် သင့်မှတစ်ဆင့် ယခုပင် ချိတ်ဆက်လိုက်ပါပြီ။ ကျေးဇူးတင်ပါသည်။',
  hint: 'ဆက်ကူညီရန် ဤတက်ဘ်ကို ဖွင့်ထားပါ။',
  learnMore: 'ကျွန်ုပ် ဘာတွေ မျှဝေမလဲ။',
  shareIp:
    'သင်ကူညီသူများသည် သင့် IP လိပ်စာကို မြင်ရပါမည်။ peer-to-peer (WebRTC) ချိတ်ဆက်မှုတိုင်းတွင် လိုအပ်သောကြောင့် ဖြစ်သည်။ သင့်အကြောင်း အခြားဘာမျှ မသိရပါ။',
  shareEgress:
    'သူတို့၏ ဒေတာကို စာဝှက်ထားသဖြင့် သင် ဖတ်၍မရပါ။ ဒေတာသည် သင့်အင်တာနက်မှ မဟုတ်ဘဲ Starling ၏ ထွက်ပေါက်ဆာဗာမှတစ်ဆင့် အင်တာနက်သို့ ထွက်သဖြင့် သူတို့သွားရောက်သော ဆိုက်များသည် သင့်လိပ်စာကို မဟုတ်ဘဲ ထွက်ပေါက်ဆာဗာ၏ လိပ်စာကိုသာ မြင်ရပါသည်။',
  shareSite:
    'ဤဆိုက်သည် သင့်ခလုတ် ဖွင့်ထားခြင်း ရှိမရှိကိုသာ သိပါသည်။ သင်နှင့် သင်ကူညီသူများကို မိတ်ဆက်ပေးသော Starling ဝန်ဆောင်မှုသည် သင့် IP လိပ်စာနှင့် ဤစာမျက်နှာ၏ လိပ်စာကို မြင်ပါသည် (ဤဆိုက်မှတစ်ဆင့် ကူညီခံရသူ အရေအတွက်ကို အနီးစပ်ဆုံး ရေတွက်ရန်)။ IP လိပ်စာ တစ်ခုမျှ မသိမ်းပါ။',
  shareCost:
    'ဤစာမျက်နှာ ဖွင့်ထားစဉ် သင့် bandwidth အချို့ကို အသုံးပြုပါသည်။ အချိန်မရွေး ပိတ်နိုင်ပါသည်။ သင်ကူညီသူများသည် သတိမထားမိဘဲ အခြားစေတနာ့ဝန်ထမ်းထံ ပြောင်းသွားပါမည်။',
  pausedBattery: 'ဤစက်သည် ဘက်ထရီဖြင့် လည်ပတ်နေစဉ် ခေတ္တရပ်ထားသည်။ အားသွင်းကြိုး တပ်လိုက်သောအခါ ဆက်လုပ်ပါမည်။',
  capReached: 'ပြီးပါပြီ။ ဤစာမျက်နှာက ခွင့်ပြုသော ဒေတာအားလုံးကို လွှဲပေးပြီးပါပြီ။ ကျေးဇူးတင်ပါသည်။',
};

export const ur: Strings = {
  title: 'لوگوں کو سنسرشپ سے بچ نکلنے میں مدد دیں',
  intro:
    'جب تک یہ آن ہے، انٹرنیٹ سنسر کرنے والے ملکوں کے لوگ آپ کے براؤزر کے ذریعے آزاد انٹرنیٹ تک پہنچ سکتے ہیں۔ ان کا ٹریفک خفیہ کاری شدہ ہے: آپ اسے پڑھ نہیں سکتے۔',
  switchLabel: 'پل بنیں',
  off: 'بند ہے۔ مدد کے لیے اسے آن کریں۔',
  connecting: 'رابطہ ہو رہا ہے…',
  waiting: 'آن ہے۔ کسی ایسے شخص کا انتظار ہے جسے پل کی ضرورت ہو…',
  helping: { one: 'آپ اس وقت {n} شخص کی مدد کر رہے ہیں۔', other: 'آپ اس وقت {n} لوگوں کی مدد کر رہے ہیں۔' },
  paused: 'یہ ٹیب پس منظر میں ہونے تک رکا ہوا ہے۔ آپ کے واپس آنے پر دوبارہ شروع ہو جائے گا۔',
  brokerDown: 'Starling سروس تک رسائی نہیں ہو رہی۔ اپنا انٹرنیٹ کنکشن چیک کریں؛ ہم کوشش جاری رکھیں گے۔',
  noWebrtc:
    'یہ براؤزر براہِ راست (WebRTC) کنکشن نہیں بنا سکتا۔ کوئی اور براؤزر آزمائیں، یا ترتیبات یا ایکسٹینشنز میں WebRTC کی اجازت دیں۔',
  misconfigured:
    'یہ ویجیٹ درست طریقے سے سیٹ نہیں کیا گیا۔ اگر آپ یہ سائٹ چلاتے ہیں تو data-broker اور data-egress کی ترتیبات چیک کریں۔',
  failed: 'کچھ غلط ہو گیا۔ ہم کوشش جاری رکھیں گے۔',
  helpingNow: 'ابھی مدد',
  helpedTotal: 'مدد پانے والے',
  relayed: 'منتقل شدہ ڈیٹا',
  notice: 'ابھی کوئی آپ کے ذریعے جڑا ہے۔ شکریہ!',
  hint: 'مدد جاری رکھنے کے لیے یہ ٹیب کھلا رکھیں۔',
  learnMore: 'میں کیا شیئر کرتا ہوں؟',
  shareIp:
    'جن لوگوں کی آپ مدد کرتے ہیں وہ آپ کا IP ایڈریس دیکھتے ہیں، جیسا کہ ہر براہِ راست (WebRTC) کنکشن کے لیے ضروری ہے۔ انہیں آپ کے بارے میں اور کچھ معلوم نہیں ہوتا۔',
  shareEgress:
    'ان کا ٹریفک خفیہ کاری شدہ ہے: آپ اسے پڑھ نہیں سکتے۔ یہ آپ کے انٹرنیٹ کنکشن سے نہیں بلکہ Starling کے ایگزٹ سرور کے ذریعے ویب تک پہنچتا ہے، اس لیے وہ جن سائٹس پر جاتے ہیں انہیں آپ کا نہیں بلکہ ایگزٹ سرور کا ایڈریس نظر آتا ہے۔',
  shareSite:
    'یہ سائٹ صرف یہ جانتی ہے کہ آپ کا سوئچ آن ہے یا نہیں۔ Starling سروس، جو آپ کو ان لوگوں سے ملاتی ہے جن کی آپ مدد کرتے ہیں، آپ کا IP ایڈریس اور اس صفحے کا ایڈریس دیکھتی ہے (اس سائٹ کے ذریعے مدد پانے والوں کی تقریبی گنتی کے لیے)؛ وہ کوئی IP ایڈریس محفوظ نہیں کرتی۔',
  shareCost:
    'جب تک یہ صفحہ کھلا ہے، یہ آپ کی بینڈوڈتھ کا کچھ حصہ استعمال کرتا ہے۔ آپ کسی بھی وقت اسے بند کر سکتے ہیں؛ جن کی آپ مدد کر رہے ہیں وہ محسوس کیے بغیر کسی اور رضاکار کی طرف منتقل ہو جاتے ہیں۔',
  pausedBattery: 'جب تک یہ آلہ بیٹری پر چل رہا ہے، رکا ہوا ہے۔ چارجر لگانے پر دوبارہ شروع ہو جائے گا۔',
  capReached: 'مکمل: آپ نے وہ تمام ڈیٹا منتقل کر دیا جس کی یہ صفحہ اجازت دیتا ہے۔ شکریہ!',
};
