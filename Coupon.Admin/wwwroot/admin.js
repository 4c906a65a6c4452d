// Called over JS interop: by OperatorTimeZone, and by the copy buttons (false when the browser
// refuses, as it does on plain http from another host).
window.couponAdmin = {
  timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone ?? null,
  copy: (text) => navigator.clipboard ? navigator.clipboard.writeText(text).then(() => true, () => false) : false,
};
