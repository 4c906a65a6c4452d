// Called by OperatorTimeZone over JS interop.
window.couponAdmin = {
  timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone ?? null,
};
