using System.Net;
using System.Text.Json;
using Coupon.Tests.Admin;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.Playwright;

namespace Coupon.Tests.Hosting;

// The stack runs its projects in the AppHost's environment (Development here, as for `./run.sh`
// and `dotnet run`), so the api's OpenAPI document and its Scalar UI are on the running stack; an
// api in Production (a deployment, the bench) serves neither.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class ApiDocumentationTests(StackFixture stack) : SharedApiTests(stack)
{
    private const string IssuePath = "/api/coupons/{id}/issue";
    private static readonly string[] DocumentationPaths = ["/openapi/v1.json", "/scalar/v1"];

    [Fact]
    public async Task The_running_stack_serves_the_OpenAPI_document_and_the_Scalar_UI_shows_it()
    {
        string title;
        using (var served = await Api.Http.GetAsync("/openapi/v1.json"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            using var document = JsonDocument.Parse(await served.Content.ReadAsStringAsync());
            Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
            title = document.RootElement.GetProperty("info").GetProperty("title").GetString()!;
            Assert.True(document.RootElement.GetProperty("paths").GetProperty(IssuePath).TryGetProperty("post", out _));
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await AdminBrowser.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        await page.GotoAsync(new Uri(Api.Http.BaseAddress!, "/scalar/v1").ToString());
        // Scalar renders the document in the browser: its title, and the issue operation by path.
        await Assertions.Expect(page.GetByText(title).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync(IssuePath, new() { Timeout = 30_000 });
        await AdminBrowser.ScreenshotAsync(page, "api-scalar");
    }

    [Fact]
    public async Task An_api_in_Production_serves_neither()
    {
        await using var production = await Stack.StartProjectAsync(CouponProject.Api, new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        });
        using var client = new HttpClient { BaseAddress = production.BaseAddress };
        foreach (var path in DocumentationPaths)
        {
            using var answer = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        }
    }
}
