using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Coupon.ServiceDefaults.Tracing;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
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

        var tracingSettings = TracingSettings.From(builder.Configuration, builder.Environment);
        var heldTraces = new HeldTraces(TimeProvider.System);
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
                // Every failed or slow trace is kept, and a sample of the rest (TracingSettings).
                tracing.SetSampler(builder.HasOtlpEndpoint() ? new KeepingSampler(tracingSettings.SampleRatio, heldTraces) : new AlwaysOffSampler());

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

                if (builder.HasOtlpEndpoint())
                    tracing.AddProcessor(services => new KeepingProcessor(heldTraces, tracingSettings.SlowRequest, OtlpTraceExport(services)));
            });

        builder.AddOpenTelemetryExporters();

        return builder;
    }

    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.HasOtlpEndpoint())
        {
            // Signal by signal rather than UseOtlpExporter, whose trace exporter KeepingProcessor
            // could not stand in front of (the traces' is added with the tracing above).
            builder.Services.AddOpenTelemetry()
                .WithLogging(logging => logging.AddOtlpExporter())
                .WithMetrics(metrics => metrics.AddOtlpExporter());
            // After WithLogging, which registers the logger provider again.
            builder.Services.QuietProbeLogs();
            builder.Services.AddHostedService<TelemetryFlushOnStop>();
        }

        return builder;
    }

    // What AddOtlpExporter builds for traces (OTEL_EXPORTER_OTLP_* and OTEL_BSP_* from the
    // configuration), here so that KeepingProcessor holds it.
    private static BatchActivityExportProcessor OtlpTraceExport(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptionsFactory<OtlpExporterOptions>>().Create(Microsoft.Extensions.Options.Options.DefaultName);
        var batch = options.BatchExportProcessorOptions;
        return new BatchActivityExportProcessor(new OtlpTraceExporter(options),
            batch.MaxQueueSize, batch.ScheduledDelayMilliseconds, batch.ExporterTimeoutMilliseconds, batch.MaxExportBatchSize);
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
