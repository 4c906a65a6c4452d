using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Coupon.Admin.SignIn;

// OWASP's device cookie: a browser the operator has signed in from carries a cookie naming him,
// signed by the console's Data Protection keys (as the session cookie is), and its sign-ins are
// throttled per device instead of per address, so strangers' failures from the same address
// (behind a proxy or an ingress, everyone's) cannot keep it out. Only a right password issues
// one, so strangers cannot make any; a forged, expired or another name's cookie counts as none.
public sealed class OperatorDevices(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "coupon-admin-device";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    // An issued cookie is a few hundred characters; a longer one is not worth unprotecting.
    private const int MaxCookieLength = 1_000;

    private readonly IDataProtector _protector = protection.CreateProtector("Coupon.Admin.SignIn.OperatorDevices");

    // The device a sign-in comes from when its cookie is valid for the user name it tries.
    public string? DeviceOf(HttpRequest request, string? userName) => DeviceOf(request.Cookies[CookieName], userName);

    // A new device for the browser that just signed in: only the sign-in form's post reads it.
    public void Remember(HttpContext context, string userName) =>
        context.Response.Cookies.Append(CookieName, Issue(userName), new CookieOptions
        {
            Path = SignInEndpoints.SignInPostPath,
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            MaxAge = Lifetime,
            IsEssential = true,
        });

    public string Issue(string userName)
    {
        var device = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var expires = (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds();
        return _protector.Protect(string.Create(CultureInfo.InvariantCulture, $"{expires}\n{device}\n{userName}"));
    }

    public string? DeviceOf(string? cookie, string? userName)
    {
        if (cookie is not { Length: > 0 and <= MaxCookieLength } || userName is null)
            return null;
        string payload;
        try
        {
            payload = _protector.Unprotect(cookie);
        }
        catch (CryptographicException)
        {
            return null;
        }
        return payload.Split('\n', 3) is [var expires, var device, var name]
            && long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && time.GetUtcNow().ToUnixTimeSeconds() < seconds
            && string.Equals(name, userName, StringComparison.Ordinal)
                ? device
                : null;
    }
}
