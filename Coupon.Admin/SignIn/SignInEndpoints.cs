using System.Security.Claims;
using Coupon.Core.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coupon.Admin.SignIn;

// Plain form posts: the cookie can only be written on an HTTP response, never from an
// interactive circuit, so the sign-in page posts here and is redirected back.
public static class SignInEndpoints
{
    public const string SignInPath = "/signin";

    public static RouteGroupBuilder MapOperatorSignIn(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/account").AllowAnonymous();

        group.MapPost("/signin", SignInAsync);
        group.MapPost("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.LocalRedirect(SignInPath);
        });

        return group;
    }

    private static async Task<RedirectHttpResult> SignInAsync(
        [FromForm] string? userName,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        OperatorAccount account,
        HttpContext context)
    {
        var target = LocalOrHome(returnUrl);
        switch (account.SignIn(userName, password))
        {
            case SignInOutcome.SignedIn:
                var identity = new ClaimsIdentity(
                    [new Claim(ClaimTypes.Name, account.UserName), new Claim(ClaimTypes.Role, TokenSigning.OperatorRole)],
                    CookieAuthenticationDefaults.AuthenticationScheme);
                await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
                return TypedResults.LocalRedirect(target);
            case SignInOutcome.LockedOut:
                return TypedResults.LocalRedirect(SignInUrl(target, "locked"));
            default:
                return TypedResults.LocalRedirect(SignInUrl(target, "wrong"));
        }
    }

    private static string SignInUrl(string returnUrl, string error) =>
        $"{SignInPath}?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}";

    // Only paths of this site: an absolute or protocol-relative URL would be an open redirect.
    internal static string LocalOrHome(string? returnUrl) =>
        returnUrl is ['/', not '/' and not '\\', ..] or "/" ? returnUrl : "/";
}
