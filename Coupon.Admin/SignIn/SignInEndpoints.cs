using System.Globalization;
using System.Security.Claims;
using Coupon.Core.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Coupon.Admin.SignIn;

// Plain form posts: the cookie can only be written on an HTTP response, never from an
// interactive circuit, so the sign-in page posts here and is redirected back.
public static class SignInEndpoints
{
    public const string SignInPath = "/signin";
    public const string SignInPostPath = AccountGroup + SignInPost;
    private const string AccountGroup = "/account";
    private const string SignInPost = "/signin";

    // Far beyond any page of the console; a longer one is no page of ours.
    public const int MaxReturnUrlLength = 2_048;

    public static RouteGroupBuilder MapOperatorSignIn(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(AccountGroup).AllowAnonymous();

        group.MapPost(SignInPost, SignInAsync);
        group.MapPost("/signout", SignOutAsync);

        return group;
    }

    private static async Task<IResult> SignInAsync(
        [FromForm] string? userName,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        OperatorAccount account,
        SignInThrottle throttle,
        OperatorDevices devices,
        HttpContext context)
    {
        // A browser the operator signed in from before is throttled on its own; any other by its
        // address (the client's, where a configured proxy forwards it).
        var client = devices.DeviceOf(context.Request, userName) is { } device
            ? SignInThrottle.DeviceClient(device)
            : ForwardedClientAddress.ClientOf(context.Connection.RemoteIpAddress);
        // Before the password is checked: a client in its backoff learns nothing and costs no hash.
        var wait = throttle.Attempt(client, userName);
        if (wait > TimeSpan.Zero)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Text($"Too many failed sign-ins from here: try again in {seconds} s.",
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        var target = LocalOrHome(returnUrl);
        if (!account.Verify(userName, password))
            return TypedResults.LocalRedirect($"{SignInPath}?error=wrong&returnUrl={Uri.EscapeDataString(target)}");

        throttle.Succeeded(client, userName);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, account.UserName), new Claim(ClaimTypes.Role, TokenSigning.OperatorRole), OperatorSessions.NewIdClaim()],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        devices.Remember(context, account.UserName);
        return TypedResults.LocalRedirect(target);
    }

    // The handler binds no form, so the antiforgery middleware's verdict is checked here: a page
    // on another site must not be able to sign the operator out.
    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
            return TypedResults.BadRequest();

        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect(SignInPath);
    }

    // Only paths of this site: an absolute or protocol-relative URL would be an open redirect, and
    // LocalRedirect throws on a control character (browsers drop them: "/\t/x" is "//x") after the
    // session cookie was written, answering 500 without it.
    internal static string LocalOrHome(string? returnUrl) =>
        returnUrl is ['/', not '/' and not '\\', ..] or "/" && returnUrl.Length <= MaxReturnUrlLength && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";
}
