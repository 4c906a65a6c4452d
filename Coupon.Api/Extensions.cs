using Confluent.Kafka;
using Coupon.Api.Campaigns;
using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Auth;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Scalar.AspNetCore;

namespace Coupon.Api;

public static class Extensions
{
    // Campaign bodies are a few hundred bytes; nothing the api accepts comes near this.
    private const long DefaultMaxRequestBodyBytes = 16 * 1024;
    private const string BearerSection = $"Authentication:Schemes:{JwtBearerDefaults.AuthenticationScheme}";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // A command on a hung Redis fails after the issue script's deadline (a second), and the
        // timeouts are checked four times a second, so the issue path answers within its
        // deadlines (Issuing:Deadlines). A command still waiting for a lost connection when it
        // times out is known not to have run.
        var scriptDeadline = builder.Configuration.GetSection(IssueDeadlines.Section).Get<IssueDeadlines>()?.Script ?? new IssueDeadlines().Script;
        builder.AddRedisClient("redis", configureOptions: redis =>
        {
            redis.AsyncTimeout = Math.Min(redis.AsyncTimeout, (int)scriptDeadline.TotalMilliseconds);
            redis.HeartbeatInterval = TimeSpan.FromMilliseconds(250);
            // A Redis back from a restart is found within half a second, not after an
            // exponential backoff grown while it was away: requests wait at most a second for it.
            redis.ReconnectRetryPolicy = new StackExchange.Redis.LinearRetry(500);
        });
        builder.AddKafkaProducer<Null, byte[]>("kafka", settings =>
        {
            // A few ms of batching under load; a bounded wait for the ack: past it, an event never
            // sent is withdrawn (503), one sent is kept (202, PossiblyPersisted).
            settings.Config.LingerMs ??= 2;
            settings.Config.MessageTimeoutMs ??= 1500;
            // A delivery's outcome is all the api reads; the default "all" copies each message's
            // key, value, headers and timestamp back out of librdkafka for nobody.
            settings.Config.DeliveryReportFields ??= "status";
        });
        // A request answers 503 + Retry-After at the first MySQL error: EF's retries would hold it
        // for up to a minute while MySQL is down. On a hung server neither opening a connection
        // (15 s by default) nor cancelling a query (2 s) heeds the request's deadline, so both
        // are bounded here too.
        builder.AddMySqlDbContext<CouponDbContext>("coupondb", settings =>
        {
            settings.DisableRetry = true;
            if (settings.ConnectionString is not { Length: > 0 } configured)
                return;
            var connection = new MySqlConnector.MySqlConnectionStringBuilder(configured);
            // 0 means no limit to MySqlConnector.
            connection.ConnectionTimeout = connection.ConnectionTimeout is 0 ? 1 : Math.Min(connection.ConnectionTimeout, 1);
            connection.CancellationTimeout = connection.CancellationTimeout is 0 ? 1 : Math.Min(connection.CancellationTimeout, 1);
            settings.ConnectionString = connection.ConnectionString;
        });

        builder.Services.Configure<KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = builder.Configuration.GetValue("Api:MaxRequestBodyBytes", DefaultMaxRequestBodyBytes));

        builder.Services.AddHostedService<MigrationService>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CampaignRedisState>();
        builder.Services.AddSingleton<RedisClock>();
        builder.Services.AddOptions<IssueDeadlines>().BindConfiguration(IssueDeadlines.Section);
        builder.Services.AddOptions<CampaignCacheOptions>().BindConfiguration(CampaignCacheOptions.Section);
        builder.Services.AddSingleton<CampaignCache>();
        builder.Services.AddSingleton<IssueTelemetry>();
        builder.Services.AddSingleton<IssuedEventPublisher>();
        builder.Services.AddSingleton<GroupCommit>();
        builder.Services.AddSingleton<IssueOutcomes>();
        builder.Services.AddSingleton<WinnerWithdrawals>();
        builder.Services.AddSingleton<WithdrawalRetries>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WithdrawalRetries>());
        builder.Services.AddSingleton<IssueStatistics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IssueStatistics>());
        builder.Services.AddSingleton<CampaignViews>();

        builder.AddProblemResponses();
        builder.AddBearerAuthentication();
        builder.Services.AddOptions<IssueRateLimitOptions>().BindConfiguration(IssueRateLimitOptions.Section)
            .Validate(limit => limit.PermitLimit > 0 && limit.Window > TimeSpan.Zero, "Issuing:RateLimit needs a PermitLimit and a Window above zero.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IssueRateLimit>();
        builder.AddAnonymousRateLimit();
        builder.Services.AddOpenApi();
    }

    public static void UseApiPipeline(this WebApplication app)
    {
        app.UseForwardedClientAddress();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // The api's own endpoints; /health bounds each check by itself and must report, not fail.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseMiddleware<RequestDeadline>());
        app.UseMiddleware<PublicRejections>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        if (app.Environment.IsDevelopment())
        {
            app.MapOpenApi();
            app.MapScalarApiReference();
        }
    }

    private static void AddProblemResponses(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", ApiProblems.CodeFor(status));
            // Framework problems may carry exception details in development; none leave the api.
            context.ProblemDetails.Extensions.Remove("exception");
        });
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
    }

    private static void AddBearerAuthentication(this IHostApplicationBuilder builder)
    {
        var trust = TokenTrustFrom(builder.Configuration);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            // Replaces what JwtBearer binds from configuration, which validates issuer and audience
            // only when they are configured; keys are read once, not on every request.
            options.TokenValidationParameters = trust.ValidationParameters(clockSkew: TimeSpan.FromSeconds(30));
            options.Events = new JwtBearerEvents
            {
                // The operator role only from the operators' key (which names no user); every
                // other token must name a user.
                OnTokenValidated = context =>
                {
                    var principal = context.Principal!;
                    var fromOperators = context.SecurityToken.Issuer == TokenSigning.OperatorIssuer;
                    if (fromOperators != principal.IsInRole(TokenSigning.OperatorRole))
                        context.Fail("Only the operators' key grants the operator role, and all its tokens carry it.");
                    else if (!fromOperators && !principal.TryGetUserId(out _))
                        context.Fail("The token's sub is not a user id.");
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorizationBuilder().AddCouponPolicies();
    }

    // The public keys only: the api verifies tokens and can sign none.
    private static TokenTrust TokenTrustFrom(IConfiguration configuration)
    {
        var bearer = configuration.GetSection(BearerSection);
        string Required(string key) => bearer[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Configuration '{BearerSection}:{key}' is missing: the api verifies tokens with it (the AppHost sets it).");

        return new TokenTrust(Required("UserPublicKey"), Required("OperatorPublicKey"));
    }
}
