using Coupon.Admin.Api;
using Coupon.Admin.Components;
using Coupon.Admin.SignIn;
using Coupon.Core.Auth;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Http.Resilience;
using MudBlazor.Services;

namespace Coupon.Admin;

public static class Extensions
{
    public static WebApplicationBuilder AddAdminConsole(this WebApplicationBuilder builder)
    {
        // The AppHost and the tests run the built dll, not a publish output: serve the static
        // web assets (MudBlazor's css and js) from their build manifest in every environment.
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // Bottom right: at the top the snackbar would cover the page's own buttons.
        builder.Services.AddMudServices(options =>
            options.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);

        builder.AddOperatorSignIn();
        builder.AddCouponApi();

        builder.Services.AddScoped<OperatorTimeZone>();
        // An open console holds its circuit's websocket until the browser lets go: on stop, cut
        // it after a few seconds rather than outwait the orchestrator's patience (DCP's ~10 s).
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));
        return builder;
    }

    private static void AddOperatorSignIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => OperatorAccount.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton(services => new SignInThrottle(services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<OperatorDevices>();
        builder.Services.AddSingleton<OperatorSessions>();
        var revalidation = builder.Configuration.GetValue(OperatorSessionRevalidation.IntervalKey, OperatorSessionRevalidation.DefaultInterval);
        builder.Services.AddScoped<AuthenticationStateProvider>(services => new OperatorSessionRevalidation(
            services.GetRequiredService<ILoggerFactory>(), services.GetRequiredService<OperatorSessions>(), revalidation));

        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<OperatorSessions>((options, sessions) => options.SessionStore = sessions);
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = SignInEndpoints.SignInPath;
                options.AccessDeniedPath = SignInEndpoints.SignInPath;
                options.Cookie.Name = "coupon-admin";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy.Name, policy => policy.RequireRole(TokenSigning.OperatorRole));
        builder.Services.AddCascadingAuthenticationState();
    }

    private static void AddCouponApi(this WebApplicationBuilder builder)
    {
        var signing = OperatorTokens.SigningFrom(builder.Configuration);
        var subject = builder.Configuration["Admin:Operator:UserName"] ?? "admin-console";
        builder.Services.AddSingleton(services => new OperatorTokens(signing, subject, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddTransient<OperatorTokenHandler>();

        // RemoveAllResilienceHandlers is the only way to replace the handler AddServiceDefaults
        // put on every client; it is marked experimental.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient<CouponApiClient>(client => client.BaseAddress = new("http://api"))
            .AddHttpMessageHandler<OperatorTokenHandler>()
            // Pages poll every second and show a banner when the api is down: one quick retry
            // instead of three with backoff, a short break after repeated failures, and never a
            // repeated create or edit (the first may have landed).
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(options =>
            {
                options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
                options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(15);
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.FromMilliseconds(200);
                options.Retry.DisableForUnsafeHttpMethods();
                options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(2);
            });
#pragma warning restore EXTEXP0001
    }

    public static WebApplication UseAdminConsole(this WebApplication app)
    {
        app.UseForwardedClientAddress();
        // Never a stack trace, development or not: the error page says what to do instead.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapOperatorSignIn();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
