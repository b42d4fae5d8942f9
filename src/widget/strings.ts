/**
 * The widget's words in its first seven languages (strings-more.ts has the rest). Every language has every
 * string; a site may override any of them (i18n.ts, `data-strings`).
 */

/** Plural forms of one sentence; `{n}` is the number. `other` is required (Intl.PluralRules categories). */
export type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

export interface Strings {
  title: string;
  intro: string;
  /** The switch's visible label. */
  switchLabel: string;
  off: string;
  connecting: string;
  waiting: string;
  helping: Plural;
  paused: string;
  /** Errors that say what to do. */
  brokerDown: string;
  noWebrtc: string;
  misconfigured: string;
  failed: string;
  helpingNow: string;
  helpedTotal: string;
  relayed: string;
  notice: string;
  hint: string;
  /** The "learn more" disclosure's summary, and its four paragraphs: what a volunteer shares, with whom. */
  learnMore: string;
  shareIp: string;
  shareEgress: string;
  shareSite: string;
  shareCost: string;
  /** Paused by the relay's own settings (docs/widget.md): on battery; the total data cap reached. */
  pausedBattery: string;
  capReached: string;
}

export const en: Strings = {
  title: 'Help people get around censorship',
  intro:
    'While this is on, people in countries that censor the internet can reach the open web through your browser. Their traffic is encrypted: you cannot read it.',
  switchLabel: 'Be a bridge',
  off: 'Off. Turn it on to help.',
  connecting: 'Connecting…',
  waiting: 'On. Waiting for someone who needs a bridge…',
  helping: { one: 'You are helping {n} person right now.', other: 'You are helping {n} people right now.' },
  paused: 'Paused while this tab is in the background. It resumes when you come back.',
  brokerDown: 'Cannot reach the Starling service. Check your internet connection; we will keep trying.',
  noWebrtc:
    'This browser cannot make peer-to-peer (WebRTC) connections. Try another browser, or allow WebRTC in its settings or extensions.',
  misconfigured:
    'This widget is not set up correctly. If you run this site, check its data-broker and data-egress settings.',
  failed: 'Something went wrong. We will keep trying.',
  helpingNow: 'Helping now',
  helpedTotal: 'People helped',
  relayed: 'Data relayed',
  notice: 'Someone just connected through you. Thank you!',
  hint: 'Keep this tab open to keep helping.',
  learnMore: 'What do I share?',
  shareIp:
    'The people you help see your IP address, as every peer-to-peer (WebRTC) connection requires. They learn nothing else about you.',
  shareEgress:
    'Their traffic is encrypted: you cannot read it. It reaches the web through Starling’s exit server, not through your internet connection, so the sites they visit see the exit server’s address, not yours.',
  shareSite:
    'This site learns only whether your switch is on. The Starling service that introduces you to the people you help sees your IP address and this page’s address (to count, rounded, the people helped through this site); it keeps no IP addresses.',
  shareCost:
    'It uses some of your bandwidth while this page is open. You can switch off at any moment; the people you help move to another volunteer without noticing.',
  pausedBattery: 'Paused while this device runs on battery. It resumes when you plug it in.',
  capReached: 'Done: you have relayed all the data this page allows. Thank you!',
};

export const zhCN: Strings = {
  title: '帮助他人突破网络审查',
  intro:
    '开关打开时，身处网络审查国家的人可以通过你的浏览器访问开放的互联网。他们的流量经过加密，你无法读取。',
  switchLabel: '成为网桥',
  off: '已关闭。打开开关即可提供帮助。',
  connecting: '正在连接…',
  waiting: '已开启，正在等待需要网桥的人…',
  helping: { other: '你正在帮助 {n} 个人。' },
  paused: '此标签页在后台时已暂停，回来后会自动继续。',
  brokerDown: '无法连接 Starling 服务。请检查网络连接，我们会继续重试。',
  noWebrtc: '此浏览器无法建立点对点（WebRTC）连接。请换一个浏览器，或在设置或扩展程序中允许 WebRTC。',
  misconfigured: '此组件的配置不正确。如果你是本站管理员，请检查 data-broker 和 data-egress 设置。',
  failed: '出了点问题，我们会继续重试。',
  helpingNow: '正在帮助',
  helpedTotal: '累计帮助人数',
  relayed: '已转发数据',
  notice: '刚刚有人通过你连上了网络。谢谢你！',
  hint: '保持此标签页打开，即可继续提供帮助。',
  learnMore: '我会分享什么？',
  shareIp:
    '你帮助的人会看到你的 IP 地址，这是所有点对点（WebRTC）连接的必要条件。除此之外，他们无法得知你的任何信息。',
  shareEgress:
    '他们的流量经过加密，你无法读取。流量通过 Starling 的出口服务器访问互联网，而不是通过你的网络连接，因此他们访问的网站看到的是出口服务器的地址，而不是你的。',
  shareSite:
    '本站只知道你的开关是否打开。为你和被帮助者牵线的 Starling 服务会看到你的 IP 地址和本页面的地址（用于统计经本站帮助的大致人数），但不保存任何 IP 地址。',
  shareCost: '页面打开期间会占用你的一部分带宽。你可以随时关闭；你帮助的人会无感地转到其他志愿者。',
  pausedBattery: '设备使用电池供电时已暂停，接通电源后会自动继续。',
  capReached: '完成：你已转发了本页面允许的全部数据。谢谢你！',
};

export const zhTW: Strings = {
  title: '幫助他人突破網路審查',
  intro:
    '開關開啟時，身處網路審查國家的人可以透過你的瀏覽器連上開放的網際網路。他們的流量經過加密，你無法讀取。',
  switchLabel: '成為網橋',
  off: '已關閉。開啟開關即可提供協助。',
  connecting: '連線中…',
  waiting: '已開啟，正在等待需要網橋的人…',
  helping: { other: '你正在幫助 {n} 個人。' },
  paused: '此分頁在背景時已暫停，回來後會自動繼續。',
  brokerDown: '無法連線到 Starling 服務。請檢查網路連線，我們會繼續重試。',
  noWebrtc: '此瀏覽器無法建立點對點（WebRTC）連線。請改用其他瀏覽器，或在設定或擴充功能中允許 WebRTC。',
  misconfigured: '此元件的設定不正確。如果你是本站管理員，請檢查 data-broker 和 data-egress 設定。',
  failed: '發生問題，我們會繼續重試。',
  helpingNow: '正在幫助',
  helpedTotal: '累計幫助人數',
  relayed: '已轉送資料',
  notice: '剛剛有人透過你連上了網路。謝謝你！',
  hint: '保持此分頁開啟，即可繼續提供協助。',
  learnMore: '我會分享什麼？',
  shareIp:
    '你幫助的人會看到你的 IP 位址，這是所有點對點（WebRTC）連線的必要條件。除此之外，他們無法得知你的任何資訊。',
  shareEgress:
    '他們的流量經過加密，你無法讀取。流量透過 Starling 的出口伺服器連上網際網路，而不是透過你的網路連線，因此他們造訪的網站看到的是出口伺服器的位址，而不是你的。',
  shareSite:
    '本站只知道你的開關是否開啟。為你和受助者牽線的 Starling 服務會看到你的 IP 位址和本頁面的位址（用於統計經本站幫助的大約人數），但不保存任何 IP 位址。',
  shareCost: '頁面開啟期間會占用你的一部分頻寬。你可以隨時關閉；你幫助的人會無感地轉到其他志工。',
  pausedBattery: '裝置使用電池供電時已暫停，接上電源後會自動繼續。',
  capReached: '完成：你已轉送了本頁面允許的全部資料。謝謝你！',
};

export const fa: Strings = {
  title: 'به دیگران برای عبور از سانسور کمک کنید',
  intro:
    'تا وقتی این کلید روشن است، مردم در کشورهایی که اینترنت را سانسور می‌کنند می‌توانند از طریق مرورگر شما به اینترنت آزاد دسترسی داشته باشند. ترافیک آن‌ها رمزگذاری شده است و شما نمی‌توانید آن را بخوانید.',
  switchLabel: 'پل شوید',
  off: 'خاموش است. برای کمک، آن را روشن کنید.',
  connecting: 'در حال اتصال…',
  waiting: 'روشن است. در انتظار کسی که به پل نیاز دارد…',
  helping: { other: 'شما هم‌اکنون به {n} نفر کمک می‌کنید.' },
  paused: 'تا وقتی این زبانه در پس‌زمینه است متوقف می‌ماند و با بازگشت شما ادامه می‌یابد.',
  brokerDown: 'دسترسی به سرویس Starling ممکن نیست. اتصال اینترنت خود را بررسی کنید؛ ما دوباره تلاش می‌کنیم.',
  noWebrtc:
    'این مرورگر نمی‌تواند اتصال همتا به همتا (WebRTC) برقرار کند. مرورگر دیگری را امتحان کنید یا WebRTC را در تنظیمات یا افزونه‌ها مجاز کنید.',
  misconfigured:
    'این ابزارک درست پیکربندی نشده است. اگر مدیر این سایت هستید، تنظیمات data-broker و data-egress را بررسی کنید.',
  failed: 'مشکلی پیش آمد. دوباره تلاش می‌کنیم.',
  helpingNow: 'در حال کمک',
  helpedTotal: 'مجموع افراد یاری‌شده',
  relayed: 'داده‌های منتقل‌شده',
  notice: 'همین حالا کسی از طریق شما وصل شد. سپاسگزاریم!',
  hint: 'برای ادامهٔ کمک، این زبانه را باز نگه دارید.',
  learnMore: 'چه چیزی را به اشتراک می‌گذارم؟',
  shareIp:
    'کسانی که به آن‌ها کمک می‌کنید نشانی IP شما را می‌بینند، همان‌طور که هر اتصال همتا به همتا (WebRTC) لازم دارد. چیز دیگری از شما نمی‌فهمند.',
  shareEgress:
    'ترافیک آن‌ها رمزگذاری شده است و شما نمی‌توانید آن را بخوانید. این ترافیک از طریق سرور خروجی Starling به اینترنت می‌رسد، نه از طریق اتصال اینترنت شما؛ پس سایت‌هایی که باز می‌کنند نشانی سرور خروجی را می‌بینند، نه نشانی شما را.',
  shareSite:
    'این سایت فقط می‌فهمد که کلید شما روشن است یا نه. سرویس Starling که شما را به کسانی که کمک می‌کنید معرفی می‌کند، نشانی IP شما و نشانی این صفحه را می‌بیند (برای شمارش تقریبی افرادی که از طریق این سایت کمک گرفته‌اند) و هیچ نشانی IP را نگه نمی‌دارد.',
  shareCost:
    'تا وقتی این صفحه باز است، بخشی از پهنای باند شما مصرف می‌شود. هر لحظه می‌توانید آن را خاموش کنید؛ کسانی که به آن‌ها کمک می‌کنید بی‌آنکه متوجه شوند به داوطلب دیگری منتقل می‌شوند.',
  pausedBattery: 'تا وقتی این دستگاه با باتری کار می‌کند متوقف می‌ماند و با وصل شدن به برق ادامه می‌یابد.',
  capReached: 'تمام شد: همهٔ داده‌ای را که این صفحه اجازه می‌دهد منتقل کردید. سپاسگزاریم!',
};

export const ar: Strings = {
  title: 'ساعد الآخرين على تجاوز الرقابة',
  intro:
    'ما دام هذا المفتاح مفعّلًا، يستطيع أشخاص في بلدان تفرض رقابة على الإنترنت الوصول إلى الإنترنت المفتوح عبر متصفحك. حركة بياناتهم مشفّرة ولا يمكنك قراءتها.',
  switchLabel: 'كن جسرًا',
  off: 'متوقف. شغّله لتساعد.',
  connecting: 'جارٍ الاتصال…',
  waiting: 'يعمل. بانتظار من يحتاج إلى جسر…',
  helping: {
    one: 'أنت تساعد شخصًا واحدًا الآن.',
    two: 'أنت تساعد شخصين الآن.',
    few: 'أنت تساعد {n} أشخاص الآن.',
    many: 'أنت تساعد {n} شخصًا الآن.',
    other: 'أنت تساعد {n} شخص الآن.',
  },
  paused: 'متوقف مؤقتًا ما دامت هذه العلامة في الخلفية، ويُستأنف عند عودتك.',
  brokerDown: 'تعذّر الوصول إلى خدمة Starling. تحقّق من اتصالك بالإنترنت؛ سنواصل المحاولة.',
  noWebrtc:
    'لا يستطيع هذا المتصفح إنشاء اتصالات مباشرة بين الأجهزة (WebRTC). جرّب متصفحًا آخر أو اسمح بـ WebRTC في الإعدادات أو الإضافات.',
  misconfigured:
    'هذه الأداة غير مُعدّة بشكل صحيح. إن كنت تدير هذا الموقع، فتحقّق من إعدادَي data-broker وdata-egress.',
  failed: 'حدث خطأ ما. سنواصل المحاولة.',
  helpingNow: 'تساعد الآن',
  helpedTotal: 'إجمالي من ساعدتهم',
  relayed: 'البيانات المنقولة',
  notice: 'اتصل شخص للتو عبرك. شكرًا لك!',
  hint: 'أبقِ هذه العلامة مفتوحة لتواصل المساعدة.',
  learnMore: 'ما الذي أشاركه؟',
  shareIp:
    'يرى الأشخاص الذين تساعدهم عنوان IP الخاص بك، كما يتطلب كل اتصال مباشر بين الأجهزة (WebRTC). ولا يعرفون عنك شيئًا آخر.',
  shareEgress:
    'حركة بياناتهم مشفّرة ولا يمكنك قراءتها. وهي تصل إلى الإنترنت عبر خادم الخروج الخاص بـ Starling، لا عبر اتصالك بالإنترنت، فترى المواقع التي يزورونها عنوان خادم الخروج لا عنوانك.',
  shareSite:
    'لا يعرف هذا الموقع إلا ما إذا كان مفتاحك مفعّلًا. وترى خدمة Starling التي تعرّفك بمن تساعدهم عنوان IP الخاص بك وعنوان هذه الصفحة (لعدّ تقريبي لمن تمت مساعدتهم عبر هذا الموقع)، ولا تحتفظ بأي عنوان IP.',
  shareCost:
    'يستهلك جزءًا من سعة اتصالك ما دامت هذه الصفحة مفتوحة. يمكنك إيقافه في أي لحظة، وينتقل من تساعدهم إلى متطوع آخر دون أن يلاحظوا.',
  pausedBattery: 'متوقف مؤقتًا ما دام هذا الجهاز يعمل بالبطارية، ويُستأنف عند توصيله بالكهرباء.',
  capReached: 'انتهى: نقلت كل البيانات التي تسمح بها هذه الصفحة. شكرًا لك!',
};

export const ru: Strings = {
  title: 'Помогите людям обходить цензуру',
  intro:
    'Пока переключатель включён, люди в странах с интернет-цензурой могут выходить в открытый интернет через ваш браузер. Их трафик зашифрован: вы не можете его прочитать.',
  switchLabel: 'Стать мостом',
  off: 'Выключено. Включите, чтобы помочь.',
  connecting: 'Подключение…',
  waiting: 'Включено. Ждём тех, кому нужен мост…',
  helping: { one: 'Сейчас вы помогаете {n} человеку.', other: 'Сейчас вы помогаете {n} людям.' },
  paused: 'Приостановлено, пока вкладка в фоне. Работа продолжится, когда вы вернётесь.',
  brokerDown:
    'Не удаётся связаться с сервисом Starling. Проверьте подключение к интернету — мы продолжим попытки.',
  noWebrtc:
    'Этот браузер не может устанавливать прямые соединения (WebRTC). Попробуйте другой браузер или разрешите WebRTC в настройках или расширениях.',
  misconfigured:
    'Виджет настроен неправильно. Если вы владелец сайта, проверьте параметры data-broker и data-egress.',
  failed: 'Что-то пошло не так. Мы продолжим попытки.',
  helpingNow: 'Помогаете сейчас',
  helpedTotal: 'Всего помогли',
  relayed: 'Передано данных',
  notice: 'Только что через вас подключился человек. Спасибо!',
  hint: 'Не закрывайте эту вкладку, чтобы продолжать помогать.',
  learnMore: 'Чем я делюсь?',
  shareIp:
    'Те, кому вы помогаете, видят ваш IP-адрес: без этого не работает ни одно прямое соединение (WebRTC). Больше они ничего о вас не узнают.',
  shareEgress:
    'Их трафик зашифрован: вы не можете его прочитать. В интернет он выходит через выходной сервер Starling, а не через ваше подключение, поэтому сайты, которые они открывают, видят адрес этого сервера, а не ваш.',
  shareSite:
    'Этот сайт узнаёт только, включён ли ваш переключатель. Сервис Starling, который знакомит вас с теми, кому вы помогаете, видит ваш IP-адрес и адрес этой страницы (чтобы приблизительно считать, скольким людям помог этот сайт) и не хранит IP-адресов.',
  shareCost:
    'Пока страница открыта, используется часть вашего канала. Выключить можно в любой момент: те, кому вы помогаете, незаметно перейдут к другому добровольцу.',
  pausedBattery:
    'Приостановлено, пока устройство работает от батареи. Продолжится, когда вы подключите зарядку.',
  capReached: 'Готово: вы передали весь объём данных, который разрешает эта страница. Спасибо!',
};

export const es: Strings = {
  title: 'Ayuda a otras personas a sortear la censura',
  intro:
    'Mientras esto esté activado, personas en países que censuran internet pueden llegar a la web libre a través de tu navegador. Su tráfico va cifrado: no puedes leerlo.',
  switchLabel: 'Ser un puente',
  off: 'Desactivado. Actívalo para ayudar.',
  connecting: 'Conectando…',
  waiting: 'Activado. Esperando a alguien que necesite un puente…',
  helping: {
    one: 'Estás ayudando a {n} persona ahora mismo.',
    other: 'Estás ayudando a {n} personas ahora mismo.',
  },
  paused: 'En pausa mientras esta pestaña está en segundo plano. Se reanudará cuando vuelvas.',
  brokerDown:
    'No se puede conectar con el servicio Starling. Revisa tu conexión a internet; seguiremos intentándolo.',
  noWebrtc:
    'Este navegador no puede crear conexiones directas (WebRTC). Prueba con otro navegador o permite WebRTC en su configuración o en las extensiones.',
  misconfigured:
    'Este widget no está bien configurado. Si administras este sitio, revisa los ajustes data-broker y data-egress.',
  failed: 'Algo salió mal. Seguiremos intentándolo.',
  helpingNow: 'Ayudando ahora',
  helpedTotal: 'Personas ayudadas',
  relayed: 'Datos retransmitidos',
  notice: 'Alguien acaba de conectarse a través de ti. ¡Gracias!',
  hint: 'Mantén esta pestaña abierta para seguir ayudando.',
  learnMore: '¿Qué comparto?',
  shareIp:
    'Las personas a las que ayudas ven tu dirección IP, como exige toda conexión directa entre equipos (WebRTC). No saben nada más de ti.',
  shareEgress:
    'Su tráfico va cifrado: no puedes leerlo. Llega a la web a través del servidor de salida de Starling, no de tu conexión a internet, así que los sitios que visitan ven la dirección de ese servidor, no la tuya.',
  shareSite:
    'Este sitio solo sabe si tu interruptor está activado. El servicio de Starling que te presenta a quienes ayudas ve tu dirección IP y la dirección de esta página (para contar, redondeando, a las personas ayudadas a través de este sitio); no guarda direcciones IP.',
  shareCost:
    'Usa parte de tu ancho de banda mientras esta página esté abierta. Puedes desactivarlo cuando quieras; las personas a las que ayudas pasan a otro voluntario sin notarlo.',
  pausedBattery: 'En pausa mientras este dispositivo funciona con batería. Se reanudará cuando lo enchufes.',
  capReached: 'Listo: has retransmitido todos los datos que permite esta página. ¡Gracias!',
};
