using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Coupon.AppHost.Hosting;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coupon.Tests.Admin;

// The console in a real browser against the real stack: admin, api and worker processes on the
// fixture's Redis, MariaDB and embedded Kafka. Screenshots land in TestResults/screenshots.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class AdminConsoleTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly TimeZoneInfo Seoul = TimeZoneInfo.FindSystemTimeZoneById(AdminBrowser.OperatorTimeZone);

    private AdminBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await AdminBrowser.StartAsync(stack);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task A_page_opened_signed_out_goes_to_sign_in_and_back_once_signed_in()
    {
        var page = await _browser.NewPageAsync();

        await page.GotoAsync("/system");

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?ReturnUrl=%2Fsystem"));
        await AdminBrowser.ScreenshotAsync(page, "signin-1280");
        await AdminBrowser.SignInAsync(page, DevelopmentTokens.OperatorUserName, stack.OperatorPassword);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/system$"));
    }

    [Fact]
    public async Task A_wrong_password_fails_and_the_right_one_signs_in()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync("/signin");

        await AdminBrowser.SignInAsync(page, DevelopmentTokens.OperatorUserName, "not-the-password");

        await Expect(page.Locator("[data-test=signin-error]")).ToHaveTextAsync("Wrong user name or password.");
        await AdminBrowser.ScreenshotAsync(page, "signin-wrong-password");

        await AdminBrowser.SignInAsync(page, DevelopmentTokens.OperatorUserName, stack.OperatorPassword);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Campaigns" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=operator]")).ToHaveTextAsync(DevelopmentTokens.OperatorUserName);
    }

    [Fact]
    public async Task A_created_campaign_shows_accepted_and_persisted_counts_rising_without_a_reload()
    {
        var page = await SignedInPageAsync();
        var title = $"Live {Guid.NewGuid():N}"[..20];

        await page.GotoAsync("/campaigns/new");
        await page.Locator("#title").FillAsync(title);
        await page.Locator("#totalQuantity").FillAsync("50");
        // The counter under the title is rendered by the server: the typed values have arrived.
        await Expect(page.GetByText($"{title.Length} / 100")).ToBeVisibleAsync();
        // A new campaign's window starts at the current minute in the browser's zone (Seoul).
        var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Seoul);
        await Expect(page.Locator("#startDate")).ToHaveValueAsync(now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await AdminBrowser.ScreenshotAsync(page, "campaign-new-1280");
        await page.Locator("[data-test=save]").ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/campaigns$"));
        var row = page.Locator("tr", new() { Has = page.GetByText(title, new() { Exact = true }) });
        await Expect(row.Locator("[data-test=state]")).ToHaveTextAsync("open");
        await Expect(row.Locator("[data-test=accepted]")).ToHaveTextAsync("0");
        var id = long.Parse((await row.Locator("[data-test=title]").GetAttributeAsync("href"))!.Split('/')[^1], CultureInfo.InvariantCulture);

        await page.EvaluateAsync("() => window.noReloadMarker = 42");
        await IssueAsync(id, users: 3);

        await Expect(row.Locator("[data-test=accepted]")).ToHaveTextAsync("3");
        await Expect(row.Locator("[data-test=remaining]")).ToHaveTextAsync("47");
        await Expect(row.Locator("[data-test=persisted]")).ToHaveTextAsync("3", new() { Timeout = 30_000 });
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.noReloadMarker"));
        await AdminBrowser.ScreenshotAsync(page, "campaigns-1280");

        await page.GotoAsync($"/campaigns/{id}");
        await Expect(page.Locator("[data-test=accepted]")).ToHaveTextAsync("3");
        await Expect(page.Locator("[data-test=rate-chart]")).ToBeVisibleAsync();
        await AdminBrowser.ScreenshotAsync(page, "campaign-detail-1280");
    }

    [Fact]
    public async Task A_draw_campaign_created_in_the_form_shows_its_opening_in_the_list_and_its_draw_on_the_detail_page()
    {
        var page = await SignedInPageAsync();
        var title = $"Draw {Guid.NewGuid():N}"[..20];

        await page.GotoAsync("/campaigns/new");
        await page.Locator("label:has(input[data-test=opening-draw])").ClickAsync();
        // The longest window: the draw stays ahead while the test looks (the window opens at the current minute).
        await page.Locator("#drawWindowSeconds").FillAsync("600");
        await page.Locator("#totalQuantity").FillAsync("50");
        await page.Locator("#title").FillAsync(title);
        await Expect(page.GetByText($"{title.Length} / 100")).ToBeVisibleAsync();
        await AdminBrowser.ScreenshotAsync(page, "campaign-new-draw-1280");
        await page.Locator("[data-test=save]").ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/campaigns$"));
        var row = page.Locator("tr", new() { Has = page.GetByText(title, new() { Exact = true }) });
        await Expect(row.Locator("[data-test=opening]")).ToHaveTextAsync("Draw 600 s");
        // Entering is issuing's window: the campaign is open while its draw takes entrants.
        await Expect(row.Locator("[data-test=state]")).ToHaveTextAsync("open");
        var id = long.Parse((await row.Locator("[data-test=title]").GetAttributeAsync("href"))!.Split('/')[^1], CultureInfo.InvariantCulture);

        await page.GotoAsync($"/campaigns/{id}");
        var draw = page.Locator("[data-test=draw]");
        await Expect(draw.Locator("[data-test=draw-phase]")).ToHaveTextAsync("entering");
        await Expect(draw.Locator("[data-test=draw-entrants]")).ToHaveTextAsync("0");
        var campaign = await CampaignAsync(id);
        Assert.Equal(OpeningMode.Draw, campaign.OpeningMode);
        Assert.Equal(600, campaign.Draw!.WindowSeconds);
        await Expect(draw.Locator("[data-test=seed-hash]")).ToHaveTextAsync(campaign.Draw.SeedHash);
        Assert.Matches("^[0-9a-f]{64}$", campaign.Draw.SeedHash);
        var drawAt = TimeZoneInfo.ConvertTime(campaign.Draw.DrawAt, Seoul);
        await Expect(draw.Locator("[data-test=draw-at]")).ToHaveTextAsync(drawAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        await Expect(draw.Locator("[data-test=seed-hidden]")).ToBeVisibleAsync();
        await AdminBrowser.ScreenshotAsync(page, "campaign-draw-detail-1280");
    }

    [Fact]
    public async Task A_validation_error_shows_next_to_its_field()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync("/campaigns/new");

        await page.Locator("#totalQuantity").FillAsync("0");
        await page.Locator("[data-test=save]").ClickAsync();

        var quantityError = page.Locator(".mud-grid-item:has(#totalQuantity) .mud-input-helper-text.mud-input-error");
        await Expect(quantityError).ToContainTextAsync("Total quantity must be at least 1");
        var titleError = page.Locator(".mud-grid-item:has(#title) .mud-input-helper-text.mud-input-error");
        await Expect(titleError).ToContainTextAsync("Title is required.");
        await Expect(page.Locator(".mud-grid-item:has(#discountAmount) .mud-input-error")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/campaigns/new$"));
        await AdminBrowser.ScreenshotAsync(page, "campaign-validation-1280");
    }

    [Fact]
    public async Task Editing_an_open_campaign_asks_first_and_shows_the_apis_field_error()
    {
        var campaign = await CreateOpenCampaignAsync(total: 5);
        await IssueAsync(campaign.Id, users: 3);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/campaigns/{campaign.Id}/edit");

        // Only the api knows how many were accepted: the form's rules let 2 through.
        await page.Locator("#totalQuantity").FillAsync("2");
        await page.Locator("[data-test=save]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToContainTextAsync("Edit an open campaign?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        var quantityError = page.Locator(".mud-grid-item:has(#totalQuantity) .mud-input-helper-text.mud-input-error");
        await Expect(quantityError).ToContainTextAsync("Total quantity cannot be below the 3 coupons already accepted.");
        await AdminBrowser.ScreenshotAsync(page, "campaign-edit-api-error-1280");
    }

    [Fact]
    public async Task Close_now_ends_an_open_campaign_after_a_confirmation()
    {
        var campaign = await CreateOpenCampaignAsync(total: null);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/campaigns/{campaign.Id}");
        await Expect(page.Locator("[data-test=state]")).ToHaveTextAsync("open");

        await page.Locator("[data-test=close-now]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Close now" }).ClickAsync();

        await Expect(page.Locator("[data-test=state]")).ToHaveTextAsync("closed");
        await Expect(page.Locator("[data-test=window]")).ToContainTextAsync("closed");
        await Expect(page.Locator("[data-test=close-now]")).ToBeDisabledAsync();
    }

    [Fact]
    public async Task The_campaigns_page_pages_through_the_list_newest_first()
    {
        // One more than a page, the newest of all, so the first page holds all but the oldest of them.
        var created = new List<CampaignView>();
        for (var i = 0; i <= CampaignPage.DefaultLimit; i++)
            created.Add(await CreateOpenCampaignAsync(total: 5));
        var page = await SignedInPageAsync();
        var titles = page.Locator("[data-test=campaigns] [data-test=title]");

        await Expect(titles).ToHaveCountAsync(CampaignPage.DefaultLimit);
        await Expect(titles.First).ToHaveTextAsync(created[^1].Title);
        await Expect(page.Locator("[data-test=newer]")).ToBeDisabledAsync();

        await page.Locator("[data-test=older]").ClickAsync();
        await Expect(titles.First).ToHaveTextAsync(created[0].Title);
        await page.Locator("[data-test=newer]").ClickAsync();
        await Expect(titles.First).ToHaveTextAsync(created[^1].Title);
        await Expect(page.Locator("[data-test=newer]")).ToBeDisabledAsync();
    }

    [Fact]
    public async Task Saving_a_campaign_someone_else_edited_meanwhile_says_so_and_keeps_their_edit()
    {
        var campaign = await CreateOpenCampaignAsync(total: 5);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/campaigns/{campaign.Id}/edit");
        await Expect(page.Locator("#title")).ToHaveValueAsync(campaign.Title);

        var theirs = await EditAsync(campaign, "Their edit");
        await page.Locator("#title").FillAsync("My edit");
        await page.Locator("[data-test=save]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page.Locator("[data-test=form-error]")).ToContainTextAsync("Someone else changed this campaign after you opened it");
        Assert.Equal(("Their edit", theirs.Version), await TitleAndVersionAsync(campaign.Id));
        await AdminBrowser.ScreenshotAsync(page, "campaign-edit-conflict-1280");
    }

    [Fact]
    public async Task Close_now_closes_the_campaign_as_it_is_now_keeping_a_later_edit()
    {
        var campaign = await CreateOpenCampaignAsync(total: 5);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/campaigns/{campaign.Id}");
        await Expect(page.Locator("[data-test=state]")).ToHaveTextAsync("open");

        // Edited elsewhere after this page loaded the campaign.
        var theirs = await EditAsync(campaign, "Edited elsewhere");
        await page.Locator("[data-test=close-now]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Close now" }).ClickAsync();

        await Expect(page.Locator("[data-test=state]")).ToHaveTextAsync("closed");
        Assert.Equal(("Edited elsewhere", theirs.Version + 1), await TitleAndVersionAsync(campaign.Id));
    }

    [Fact]
    public async Task The_system_page_lists_every_resource_with_its_health()
    {
        var page = await SignedInPageAsync();

        await page.GotoAsync("/system");

        var resources = page.Locator("[data-test=resource]");
        await Expect(resources).ToContainTextAsync(["api", "kafka", "mysql", "redis"]);
        await Expect(page.Locator("[data-test=resources] tr", new() { HasText = "api" }).Locator("[data-test=health]")).ToHaveTextAsync("Healthy");
        await AdminBrowser.ScreenshotAsync(page, "system-1280");
    }

    [Fact]
    public async Task The_pages_fit_a_phone_with_the_drawer_collapsed()
    {
        var page = await SignedInPageAsync(AdminBrowser.PhoneWidth);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Campaigns" })).ToBeVisibleAsync();
        await Expect(page.Locator(".mud-drawer")).Not.ToBeInViewportAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await AdminBrowser.ScreenshotAsync(page, "campaigns-phone");

        await page.GotoAsync("/system");
        await Expect(page.Locator("[data-test=resource]").First).ToBeVisibleAsync();
        await AdminBrowser.ScreenshotAsync(page, "system-phone");
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var page = await SignedInPageAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin$"));
        await page.GotoAsync("/campaigns");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?ReturnUrl="));
    }

    [Fact]
    public async Task With_the_api_down_the_console_shows_a_banner_and_recovers_when_it_is_back()
    {
        // An admin whose api address answers nothing until a relay to the real api opens there.
        var apiPort = ApiRelay.FreePort();
        await using var admin = await stack.StartProjectAsync(CouponProject.Admin, new Dictionary<string, string?>
        {
            ["services__api__http__0"] = $"http://127.0.0.1:{apiPort}",
        });
        var page = await SignedInPageAsync(admin: admin.BaseAddress);

        await Expect(page.Locator("[data-test=api-unavailable]")).ToContainTextAsync("The coupon api is unreachable.");
        await Expect(page.Locator("[data-test=no-campaigns]")).ToBeVisibleAsync();
        await AdminBrowser.ScreenshotAsync(page, "campaigns-api-down-1280");

        await using var relay = ApiRelay.Start(apiPort, (await stack.SharedProjectsAsync()).Api.BaseAddress);

        await Expect(page.Locator("[data-test=api-unavailable]")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Campaigns" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=page-error]")).ToHaveCountAsync(0);
    }

    private Task<IPage> SignedInPageAsync(int width = AdminBrowser.DesktopWidth, Uri? admin = null) =>
        _browser.SignedInPageAsync(stack.OperatorPassword, width, admin);

    private async Task<CampaignView> CreateOpenCampaignAsync(int? total)
    {
        using var api = await ApiAsync();
        var now = DateTimeOffset.UtcNow;
        return await api.CreateCampaignAsync(total, now.AddMinutes(-1), now.AddHours(1), $"Admin {Guid.NewGuid():N}"[..20]);
    }

    // Another operator's edit of the title, without If-Match.
    private async Task<CampaignView> EditAsync(CampaignView campaign, string title)
    {
        using var api = await ApiAsync();
        var request = new CampaignRequest(title, campaign.TotalQuantity, campaign.DiscountAmount, campaign.MinOrderAmount,
            campaign.IssueStart, campaign.IssueEnd);
        using var response = await api.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", api.OperatorToken, JsonContent.Create(request));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CampaignView>())!;
    }

    private async Task<(string Title, int Version)> TitleAndVersionAsync(long campaignId)
    {
        var campaign = await CampaignAsync(campaignId);
        return (campaign.Title, campaign.Version);
    }

    private async Task<CampaignView> CampaignAsync(long campaignId)
    {
        using var api = await ApiAsync();
        using var response = await api.SendAsync(HttpMethod.Get, $"/api/admin/coupons/{campaignId}", api.OperatorToken);
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CampaignView>())!;
    }

    private async Task IssueAsync(long campaignId, int users)
    {
        using var api = await ApiAsync();
        var firstUser = Random.Shared.NextInt64(1_000_000, 1_000_000_000);
        for (var user = firstUser; user < firstUser + users; user++)
        {
            using var response = await api.IssueAsync(campaignId, user);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    private async Task<IssuingClient> ApiAsync() => new((await stack.SharedProjectsAsync()).Api.BaseAddress, stack.Tokens);
}
