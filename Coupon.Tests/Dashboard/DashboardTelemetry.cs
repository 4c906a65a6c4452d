using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.Tests.Dashboard;

// What the run's dashboard received, read through its telemetry HTTP API (OTLP JSON), with the
// key the fixture gave the AppHost (AppHost:DashboardApiKey).
public sealed class DashboardTelemetry : IDisposable
{
    public const string ApiKeySetting = "AppHost:DashboardApiKey";

    private readonly HttpClient _http;

    private DashboardTelemetry(HttpClient http) => _http = http;

    public static async Task<DashboardTelemetry> OpenAsync(DistributedApplication app)
    {
        var login = await app.GetDashboardUrlAsync() ?? throw new InvalidOperationException("The run has no dashboard.");
        var http = new HttpClient { BaseAddress = new Uri($"{login.Scheme}://{login.Authority}/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-API-Key", app.Services.GetRequiredService<IConfiguration>()[ApiKeySetting]);
        return new DashboardTelemetry(http);
    }

    public async Task<IReadOnlyList<ReceivedSpan>> SpansAsync(int limit = 10_000)
    {
        using var document = await GetAsync($"api/telemetry/spans?limit={limit}");
        return [.. Flatten(document, "resourceSpans", "scopeSpans", "spans", (service, scope, span) => new ReceivedSpan(
            service, scope, span.GetProperty("name").GetString() ?? "",
            span.GetProperty("traceId").GetString() ?? "",
            span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null,
            FromUnixNano(span.GetProperty("startTimeUnixNano"))))];
    }

    public async Task<IReadOnlyList<ReceivedLog>> LogsAsync(int limit = 10_000)
    {
        using var document = await GetAsync($"api/telemetry/logs?limit={limit}");
        return [.. Flatten(document, "resourceLogs", "scopeLogs", "logRecords", (service, scope, log) => new ReceivedLog(
            service, scope, log.TryGetProperty("severityText", out var severity) ? severity.GetString() ?? "" : "",
            log.TryGetProperty("body", out var body) && body.TryGetProperty("stringValue", out var text) ? text.GetString() ?? "" : "",
            FromUnixNano(log.GetProperty("timeUnixNano"))))];
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonDocument> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonDocument>() ?? throw new InvalidOperationException($"{path} answered no JSON.");
    }

    private static IEnumerable<T> Flatten<T>(JsonDocument document, string resources, string scopes, string items, Func<string, string, JsonElement, T> read)
    {
        foreach (var resource in document.RootElement.GetProperty("data").GetProperty(resources).EnumerateArray())
        {
            var service = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .FirstOrDefault(a => a.GetProperty("key").GetString() == "service.name") is { ValueKind: JsonValueKind.Object } name
                ? name.GetProperty("value").GetProperty("stringValue").GetString() ?? ""
                : "";
            foreach (var scope in resource.GetProperty(scopes).EnumerateArray())
            {
                var scopeName = scope.TryGetProperty("scope", out var s) && s.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                foreach (var item in scope.GetProperty(items).EnumerateArray())
                    yield return read(service, scopeName, item);
            }
        }
    }

    private static DateTimeOffset FromUnixNano(JsonElement value) =>
        DateTimeOffset.UnixEpoch.AddTicks(long.Parse(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(),
            System.Globalization.CultureInfo.InvariantCulture) / 100);
}

public sealed record ReceivedSpan(string Service, string Scope, string Name, string TraceId, string? ParentSpanId, DateTimeOffset Start)
{
    public bool IsRoot => string.IsNullOrEmpty(ParentSpanId);

    public override string ToString() => $"{Service}: {Name} ({Scope})";
}

public sealed record ReceivedLog(string Service, string Scope, string Severity, string Body, DateTimeOffset Time)
{
    public override string ToString() => $"{Service} {Severity} {Scope}: {Body}";
}
