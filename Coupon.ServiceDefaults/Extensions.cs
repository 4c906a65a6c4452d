using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

// Adds common .NET Aspire services: service discovery, resilience, health checks, and OpenTelemetry.
public static class Extensions
{
    private const string HealthEndpointPath = ProbeRequests.HealthPath;
    private const string AlivenessEndpointPath = ProbeRequests.AlivenessPath;
    private const string MetricsEndpointPath = "/metrics";
    private const string KestrelLimitsSection = "Kestrel:Limits";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();

        builder.AddDefaultHealthChecks();

        // Kestrel takes only its endpoints from configuration, never its limits: without this,
        // Kestrel:Limits in appsettings.json would be ignored (connections unlimited).
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
            builder.Configuration.GetSection(KestrelLimitsSection).Bind(kestrel.Limits));

        builder.AddForwardedClientAddress();

        builder.Services.AddServiceDiscovery();

        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(CouponTelemetry.MeterNames)
                    .AddPrometheusExporter();
            })
            .WithTracing(tracing =>
            {
                // Spans nobody receives cost the api a few % of its CPU at flash-sale rates. Parent
                // based otherwise, over the always_on that Aspire's run sets (OTEL_TRACES_SAMPLER):
                // the calls under a filtered probe or a background round are then no orphan spans.
                tracing.SetSampler(builder.HasOtlpEndpoint() ? new ParentBasedSampler(new AlwaysOnSampler()) : new AlwaysOffSampler());

                tracing.AddSource(builder.Environment.ApplicationName)
                    .AddSource(CouponTelemetry.ActivitySourceNames)
                    // The worker's batch inserts and the api's campaign reads, as spans of their traces.
                    .AddSource("MySqlConnector")
                    .AddAspNetCoreInstrumentation(options =>
                        // Health and scrape probes would drown the interesting traces (as in
                        // Aspire's service defaults template); a health probe's logs are quieted too.
                        options.Filter = context =>
                        {
                            if (ProbeRequests.IsProbe(context.Request.Path))
                            {
                                ProbeRequests.MarkCurrent();
                                return false;
                            }
                            return !context.Request.Path.StartsWithSegments(MetricsEndpointPath);
                        })
                    .AddHttpClientInstrumentation();
            });

        builder.AddOpenTelemetryExporters();

        return builder;
    }

    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.HasOtlpEndpoint())
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
            // After UseOtlpExporter, which registers the logger provider again.
            builder.Services.QuietProbeLogs();
            builder.Services.AddHostedService<TelemetryFlushOnStop>();
        }

        return builder;
    }

    private static bool HasOtlpEndpoint(this IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            // Liveness: the process answers. Readiness (/health) also runs every dependency's check.
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddSingleton<HealthReportCache>();

        return builder;
    }

    // metricsPolicy: the authorization policy /metrics requires, for an app with public endpoints.
    public static WebApplication MapDefaultEndpoints(this WebApplication app, string? metricsPolicy = null)
    {
        var metrics = app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        if (metricsPolicy is not null)
            metrics.RequireAuthorization(metricsPolicy);

        // The AppHost reads this outside development too; it reveals status names only, from a
        // report reused for a moment (HealthReportCache).
        app.MapGet(HealthEndpointPath, async (HttpContext context, HealthReportCache health) =>
            await HealthReportWriter.WriteJson(context, await health.GetAsync(context.RequestAborted)))
            .AllowAnonymous()
            .ExcludeFromDescription();

        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live"),
        });

        return app;
    }
}
