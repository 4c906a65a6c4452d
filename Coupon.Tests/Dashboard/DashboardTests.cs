using System.Diagnostics;
using System.Net;
using Aspire.Hosting.Testing;
using Coupon.Testing;
using Coupon.Tests.Admin;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coupon.Tests.Dashboard;

// The Aspire dashboard of the run's AppHost, in Chromium: how a developer watches Coupon.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class DashboardTests(StackFixture stack) : SharedApiTests(stack)
{
    private static readonly string[] Resources = ["redis", "kafka", "mysql", "coupondb", "api", "worker", "admin"];

    [Fact]
    public async Task Every_resource_is_running_and_healthy()
    {
        await using var dashboard = await DashboardPage.OpenAsync(Stack);

        var page = dashboard.Page;
        await AdminBrowser.ScreenshotAsync(page, "dashboard-resources");
        foreach (var resource in Resources)
        {
            var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByText(resource, new() { Exact = true }) });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row).ToContainTextAsync("Running");
            await Expect(row).Not.ToContainTextAsync("Unhealthy");
        }
        await Expect(page.GetByText("No trusted development certificate")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task One_issue_request_is_one_trace_through_api_kafka_and_worker()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{campaign.Id}/issue");
        request.Headers.Authorization = new("Bearer", Api.UserToken(7));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using (var issued = await Api.Http.SendAsync(request))
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        await Invariants.AssertAsync(campaign.Id, 10, accepted: [7], refused: []);

        await using var dashboard = await DashboardPage.OpenAsync(Stack);
        var page = dashboard.Page;
        // Span names as the dashboard writes them, each followed by its resource. Exported in
        // batches (Redis's spans only every few seconds): the trace fills in over a while.
        string[] spans =
        [
            "POST /api/coupons/{id}/issue\napi", "DATA redis EVAL", "MSG kafka coupon-issued\napi",
            "MSG kafka coupon-issued\nworker", "DATA mysql",
        ];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string text;
        do
        {
            await page.GotoAsync(new Uri(dashboard.BaseAddress, $"traces/detail/{traceId}").ToString());
            await page.WaitForTimeoutAsync(2_000);
            text = await page.InnerTextAsync("body");
        }
        while (!spans.All(span => text.Contains(span, StringComparison.Ordinal)) && DateTime.UtcNow < deadline);
        await AdminBrowser.ScreenshotAsync(page, "dashboard-issue-trace");

        Assert.All(spans, span => Assert.Contains(span, text, StringComparison.Ordinal));
    }

    // Signed in through the login link the AppHost prints.
    private sealed class DashboardPage : IAsyncDisposable
    {
        private readonly IPlaywright _playwright;
        private readonly IBrowser _browser;

        private DashboardPage(IPlaywright playwright, IBrowser browser, IPage page, Uri baseAddress)
        {
            _playwright = playwright;
            _browser = browser;
            Page = page;
            BaseAddress = baseAddress;
        }

        public IPage Page { get; }

        public Uri BaseAddress { get; }

        public static async Task<DashboardPage> OpenAsync(StackFixture stack)
        {
            var login = await stack.App.GetDashboardUrlAsync() ?? throw new InvalidOperationException("The run has no dashboard.");
            // The dashboard's first render on a busy 2-core machine takes a while.
            Assertions.SetDefaultExpectTimeout(60_000);
            var playwright = await Playwright.CreateAsync();
            var browser = await AdminBrowser.LaunchChromiumAsync(playwright);
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
            page.SetDefaultTimeout(60_000);
            await page.GotoAsync(login.ToString());
            await Expect(page.GetByText("Resources").First).ToBeVisibleAsync();
            return new DashboardPage(playwright, browser, page, new Uri($"{login.Scheme}://{login.Authority}/"));
        }

        public async ValueTask DisposeAsync()
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
