using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Coupon.Api.Campaigns;
using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Core.Auth;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Coupon.Core.Issuing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Scalar.AspNetCore;

namespace Coupon.Api;

public static class Extensions
{
    // Campaign bodies are a few hundred bytes; nothing the api accepts comes near this.
    private const long DefaultMaxRequestBodyBytes = 16 * 1024;

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");
        builder.AddKafkaProducer<string, byte[]>("kafka", settings =>
        {
            // A few ms of batching under load; a bounded wait for the ack before answering 503.
            settings.Config.LingerMs ??= 2;
            settings.Config.MessageTimeoutMs ??= 5000;
        });
        builder.AddMySqlDbContext<CouponDbContext>("coupondb");

        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = builder.Configuration.GetValue("Api:MaxRequestBodyBytes", DefaultMaxRequestBodyBytes));

        builder.Services.AddHostedService<MigrationService>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CampaignRedisState>();
        builder.Services.AddOptions<CampaignCacheOptions>().BindConfiguration(CampaignCacheOptions.Section);
        builder.Services.AddSingleton<CampaignCache>();
        builder.Services.AddSingleton<IssueTelemetry>();
        builder.Services.AddSingleton<IssuedEventPublisher>();
        builder.Services.AddSingleton<IssueStatistics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IssueStatistics>());
        builder.Services.AddSingleton<CampaignViews>();

        builder.AddProblemResponses();
        builder.AddBearerAuthentication();
        builder.AddIssueRateLimit();
        builder.Services.AddOpenApi();
    }

    public static void UseApiPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
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
        // Issuer, audiences and signing keys come from Authentication:Schemes:Bearer.
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
            options.Events = new JwtBearerEvents
            {
                // A token that names no valid user (nor an operator) authenticates no one.
                OnTokenValidated = context =>
                {
                    if (!context.Principal!.IsInRole(TokenSigning.OperatorRole) && !context.Principal!.TryGetUserId(out _))
                        context.Fail("The token's sub is not a user id.");
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorizationBuilder().AddCouponPolicies();
    }

    private static void AddIssueRateLimit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IssueRateLimitOptions>().BindConfiguration(IssueRateLimitOptions.Section);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(IssuingEndpoints.RateLimitPolicy, context =>
            {
                var limit = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<IssueRateLimitOptions>>().Value;
                var user = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? string.Empty;
                return RateLimitPartition.GetFixedWindowLimiter(user, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limit.PermitLimit,
                    Window = limit.Window,
                    QueueLimit = 0,
                });
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                http.RequestServices.GetRequiredService<IssueTelemetry>().RecordRateLimited();
                if (long.TryParse(http.Request.RouteValues["id"]?.ToString(), CultureInfo.InvariantCulture, out var couponId) && couponId > 0)
                    http.RequestServices.GetRequiredService<IssueStatistics>().RecordRejection(couponId, ProblemCodes.RateLimited);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = "Slow down: too many issue requests from this user.",
                        Extensions = { ["code"] = ProblemCodes.RateLimited },
                    },
                });
            };
        });
    }
}
