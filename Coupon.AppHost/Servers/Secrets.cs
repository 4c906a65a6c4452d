using System.Security.Cryptography;

namespace Coupon.AppHost.Servers;

public static class Secrets
{
    // The development operator of the admin console.
    public const string OperatorUserName = "operator";

    // Letters and digits only, so the password is safe in connection strings, SQL and URLs.
    public static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24);
}
