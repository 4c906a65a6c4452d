using System.Security.Cryptography;

namespace Coupon.AppHost.Servers;

public static class Secrets
{
    // The development operator of the admin console.
    public const string OperatorUserName = "operator";

    // Letters and digits only, so the password is safe in connection strings, SQL and URLs (and a
    // length divisible by 4 is valid base64 as well).
    public static string NewPassword(int length = 24) =>
        RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", length);
}
