/**
 * The widget's words in every language it speaks, and how one is chosen: `data-lang`, then the page's
 * `lang`, then the browser's languages, then English. Persian and Arabic are laid out right to left.
 */

/** Plural forms of one sentence; `{n}` is the number. `other` is required (Intl.PluralRules categories). */
type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

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
}

const en: Strings = {
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
};

const zhCN: Strings = {
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
};

const zhTW: Strings = {
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
};

const fa: Strings = {
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
};

const ar: Strings = {
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
};

const ru: Strings = {
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
};

const es: Strings = {
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
};

/** Every language the widget speaks, by its BCP 47 tag. */
export const LANGUAGES = { en, 'zh-CN': zhCN, 'zh-TW': zhTW, fa, ar, ru, es } as const;
export type Language = keyof typeof LANGUAGES;

const RTL: ReadonlySet<Language> = new Set<Language>(['fa', 'ar']);

/** Chinese tags that mean Traditional script. */
const TRADITIONAL = /^zh-(hant|tw|hk|mo)\b/;

/** The supported language closest to one BCP 47 tag, or undefined. */
export function matchLanguage(tag: string): Language | undefined {
  const lower = tag.trim().toLowerCase().replaceAll('_', '-');
  if (lower === '') return undefined;
  if (lower === 'zh' || lower.startsWith('zh-')) return TRADITIONAL.test(lower) ? 'zh-TW' : 'zh-CN';
  const base = lower.split('-')[0];
  return (Object.keys(LANGUAGES) as Language[]).find((l) => l === base);
}

/** The first supported language among the candidates, in order; English when none is. */
export function chooseLanguage(candidates: readonly (string | null | undefined)[]): Language {
  for (const tag of candidates) {
    const match = typeof tag === 'string' ? matchLanguage(tag) : undefined;
    if (match !== undefined) return match;
  }
  return 'en';
}

export function direction(lang: Language): 'rtl' | 'ltr' {
  return RTL.has(lang) ? 'rtl' : 'ltr';
}

/** `helping` in `lang` for `n` people, with `n` written the local way. */
export function helpingText(lang: Language, n: number): string {
  const forms = LANGUAGES[lang].helping;
  const form = forms[new Intl.PluralRules(lang).select(n)] ?? forms.other;
  return form.replace('{n}', formatCount(lang, n));
}

export function formatCount(lang: Language, n: number): string {
  return new Intl.NumberFormat(lang).format(n);
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Bytes in the largest unit that keeps the number at least 1 (decimal units), localized. */
export function formatBytes(lang: Language, bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}
