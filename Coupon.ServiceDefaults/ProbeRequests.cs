using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace Microsoft.Extensions.Hosting;

// The orchestrator's health probes (/health, /alive, every few seconds per project) are no
// traces, and the Information lines the hosting and routing write for every request (four per
// probe) stay out of the exported logs; other requests' lines, and a probe's warnings, stay.
internal static class ProbeRequests
{
    public const string HealthPath = "/health";
    public const string AlivenessPath = "/alive";

    private const string Marker = "coupon.probe";

    public static bool IsProbe(PathString path) => path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivenessPath);

    // From the ASP.NET Core instrumentation's filter, which runs while the request's activity is
    // current, before the hosting writes its first line.
    public static void MarkCurrent() => Activity.Current?.SetCustomProperty(Marker, true);

    private static bool InProbe => Activity.Current?.GetCustomProperty(Marker) is true;

    // Wraps the OpenTelemetry logger provider (registered by AddOpenTelemetry and again by
    // WithLogging: one provider in the end).
    public static void QuietProbeLogs(this IServiceCollection services)
    {
        var registered = services.Where(d => d.ServiceType == typeof(ILoggerProvider)
            && (d.ImplementationType ?? d.ImplementationFactory?.Method.ReturnType) == typeof(OpenTelemetryLoggerProvider)).ToList();
        var first = registered.FirstOrDefault() ?? throw new InvalidOperationException("The OpenTelemetry logger provider is not registered.");
        foreach (var descriptor in registered)
            services.Remove(descriptor);
        services.AddSingleton<ILoggerProvider>(sp => new QuietProvider((ILoggerProvider)(first.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, first.ImplementationType!))));
    }

    private sealed class QuietProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => new QuietLogger(inner.CreateLogger(categoryName));

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class QuietLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel <= LogLevel.Information && InProbe)
                return;
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
