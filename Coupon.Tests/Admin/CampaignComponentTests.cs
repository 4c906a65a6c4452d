using System.Net;
using Bunit;
using Coupon.Admin.Api;
using Coupon.Admin.Campaigns;
using Coupon.Core.Contracts;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Coupon.Tests.Admin;

// The components' own logic, rendered by bunit: no server. The form's api client answers what
// a test sets in _api (nothing: the api is unreachable); most stop at the rules before sending.
public sealed class CampaignComponentTests : IAsyncLifetime
{
    private static readonly TimeZoneInfo Seoul = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");

    // A seed and its SHA-256 (DrawAlgorithm.Hash), as the api publishes them.
    private static readonly string Seed = new('5', 64);
    private static readonly string SeedHash = Coupon.Core.Drawing.DrawAlgorithm.Hash(Seed);

    // MudBlazor's services only dispose asynchronously, so the context is disposed that way.
    private readonly BunitContext _context = new();
    private readonly ApiAnswer _api = new();

    public CampaignComponentTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton(TimeProvider.System);
        _context.Services.AddSingleton(new CouponApiClient(new HttpClient(_api) { BaseAddress = new Uri("http://127.0.0.1:9/") }));
        _context.Render<MudPopoverProvider>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private IRenderedComponent<TComponent> Render<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>> parameters)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        _context.Render(parameters);

    [Theory]
    [InlineData(CampaignState.Scheduled, "scheduled", "mud-chip-color-info")]
    [InlineData(CampaignState.Open, "open", "mud-chip-color-success")]
    [InlineData(CampaignState.SoldOut, "sold out", "mud-chip-color-warning")]
    [InlineData(CampaignState.Closed, "closed", "mud-chip-color-default")]
    public void The_state_chip_shows_the_state_in_its_colour(CampaignState state, string label, string colourClass)
    {
        var chip = Render<CampaignStateChip>(p => p.Add(c => c.State, state));

        var element = chip.Find("[data-test=state]");
        Assert.Equal(label, element.TextContent.Trim());
        Assert.Contains(colourClass, element.ClassList);
    }

    [Fact]
    public void Saving_without_a_title_shows_the_rule_next_to_the_title()
    {
        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul));

        form.Find("#title").Input("");
        form.Find("[data-test=save]").Click();

        // MudBlazor finishes an input's change asynchronously: the field shows the rule on a later render.
        form.WaitForAssertion(() =>
        {
            Assert.Equal("Title is required.", HelperText(form, "field-title"));
            Assert.Null(HelperText(form, "field-totalQuantity"));
        });
    }

    [Fact]
    public void An_end_before_the_start_is_shown_at_the_end_date()
    {
        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul));

        form.Find("#title").Input("Flash sale");
        form.Find("#endDate").Change("2020-01-01");
        form.Find("[data-test=save]").Click();

        form.WaitForAssertion(() =>
        {
            Assert.Equal("Issue end must be after issue start.", HelperText(form, "field-issueEnd"));
            Assert.Null(HelperText(form, "field-title"));
        });
    }

    [Fact]
    public void The_unlimited_switch_disables_the_quantity()
    {
        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul));
        Assert.False(form.Find("#totalQuantity").HasAttribute("disabled"));

        form.Find("input[data-test=field-unlimited]").Change(true);

        Assert.True(form.Find("#totalQuantity").HasAttribute("disabled"));
    }

    [Fact]
    public void Editing_shows_the_campaign_in_the_operators_zone()
    {
        var start = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);
        var campaign = new CampaignView(7, "Night sale", 100, 500, 0, start, start.AddHours(3), CampaignState.Open, 3, 2, 97, start, start, 0);

        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul).Add(c => c.Campaign, campaign));

        Assert.Equal("Night sale", form.Find("#title").GetAttribute("value"));
        Assert.Equal("2026-11-24", form.Find("#startDate").GetAttribute("value"));
        Assert.Equal("08:30", form.Find("#startTime").GetAttribute("value"));
        Assert.Contains("Save changes", form.Find("[data-test=save]").TextContent);
    }

    [Fact]
    public void Choosing_a_draw_shows_the_draw_window_and_its_rule()
    {
        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul));
        Assert.Empty(form.FindAll("#drawWindowSeconds"));

        form.Find("input[data-test=opening-draw]").Click();
        // The radio group takes the choice asynchronously, as MudBlazor's inputs do.
        Assert.Equal("30", form.WaitForElement("#drawWindowSeconds").GetAttribute("value"));
        form.Find("#title").Input("Flash draw");
        form.Find("#drawWindowSeconds").Input("601");
        form.Find("[data-test=save]").Click();

        form.WaitForAssertion(() =>
        {
            Assert.Equal("A draw needs a draw window of 1 to 600 seconds.", HelperText(form, "field-drawWindowSeconds"));
            Assert.Null(HelperText(form, "field-totalQuantity"));
        });

        form.Find("input[data-test=opening-first-come]").Click();
        form.WaitForAssertion(() => Assert.Empty(form.FindAll("#drawWindowSeconds")));
    }

    [Fact]
    public void A_draw_of_unlimited_quantity_is_shown_at_the_quantity()
    {
        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul));

        form.Find("#title").Input("Flash draw");
        form.Find("input[data-test=field-unlimited]").Change(true);
        form.Find("input[data-test=opening-draw]").Click();
        form.WaitForElement("#drawWindowSeconds");
        form.Find("[data-test=save]").Click();

        form.WaitForAssertion(() =>
        {
            Assert.Equal("A draw needs a total quantity.", HelperText(form, "field-totalQuantity"));
            Assert.Null(HelperText(form, "field-drawWindowSeconds"));
        });
    }

    [Fact]
    public void Editing_a_draw_whose_issue_window_has_opened_shows_its_opening_locked()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var draw = new CampaignDraw(30, start.AddSeconds(30), SeedHash, null, null, 12, null);
        var campaign = new CampaignView(7, "Night draw", 100, 500, 0, start, start.AddHours(1), CampaignState.Open, 0, 0, 100,
            start, start, 0, OpeningMode.Draw, draw);

        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul).Add(c => c.Campaign, campaign));

        Assert.True(form.Find("input[data-test=opening-draw]").HasAttribute("checked"));
        Assert.True(form.Find("input[data-test=opening-first-come]").HasAttribute("disabled"));
        Assert.True(form.Find("#drawWindowSeconds").HasAttribute("disabled"));
        Assert.Equal("30", form.Find("#drawWindowSeconds").GetAttribute("value"));
        // A draw's issue start is part of its opening; its end may still move.
        Assert.True(form.Find("#startDate").HasAttribute("disabled"));
        Assert.True(form.Find("#startTime").HasAttribute("disabled"));
        Assert.False(form.Find("#endDate").HasAttribute("disabled"));
        Assert.Contains("the opening, the draw window and the issue start can no longer change",
            form.Find("[data-test=opening-locked]").TextContent);
    }

    [Fact]
    public void Editing_an_open_first_come_campaign_locks_its_opening_but_not_its_issue_start()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var campaign = new CampaignView(7, "Open sale", 100, 500, 0, start, start.AddHours(1), CampaignState.Open, 0, 0, 100,
            start, start, 0);

        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul).Add(c => c.Campaign, campaign));

        Assert.True(form.Find("input[data-test=opening-draw]").HasAttribute("disabled"));
        Assert.False(form.Find("#startDate").HasAttribute("disabled"));
        Assert.Contains("the opening can no longer change", form.Find("[data-test=opening-locked]").TextContent);
    }

    [Fact]
    public void Editing_a_scheduled_campaign_may_change_its_opening()
    {
        var start = DateTimeOffset.UtcNow.AddHours(1);
        var campaign = new CampaignView(7, "Later sale", 100, 500, 0, start, start.AddHours(1), CampaignState.Scheduled, 0, 0, 100,
            start, start, 0);

        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul).Add(c => c.Campaign, campaign));

        Assert.True(form.Find("input[data-test=opening-first-come]").HasAttribute("checked"));
        Assert.False(form.Find("input[data-test=opening-draw]").HasAttribute("disabled"));
        Assert.Empty(form.FindAll("[data-test=opening-locked]"));
        form.Find("input[data-test=opening-draw]").Click();
        Assert.False(form.WaitForElement("#drawWindowSeconds").HasAttribute("disabled"));
    }

    [Fact]
    public void An_opening_the_api_refuses_as_locked_goes_back_and_says_so_at_the_opening()
    {
        // Scheduled when the form loaded; the window opened before the save reached the api.
        var start = DateTimeOffset.UtcNow.AddHours(1);
        var campaign = new CampaignView(7, "Later sale", 100, 500, 0, start, start.AddHours(1), CampaignState.Scheduled, 0, 0, 100,
            start, start, 0);
        _api.Status = HttpStatusCode.Conflict;
        _api.Body = """{"title":"Opening locked","status":409,"code":"opening-locked","detail":"The issue window of campaign 7 has opened."}""";
        var form = Render<CampaignForm>(p => p.Add(c => c.Zone, Seoul).Add(c => c.Campaign, campaign));

        form.Find("input[data-test=opening-draw]").Click();
        form.WaitForElement("#drawWindowSeconds");
        form.Find("[data-test=save]").Click();

        form.WaitForAssertion(() =>
        {
            Assert.Equal(FormErrors.OpeningLockedMessage, form.Find("[data-test=opening-error]").TextContent);
            Assert.True(form.Find("input[data-test=opening-first-come]").HasAttribute("checked"));
            Assert.Empty(form.FindAll("#drawWindowSeconds"));
        });
        Assert.Equal(HttpMethod.Put, _api.LastMethod);
    }

    [Fact]
    public void The_draw_card_during_the_window_shows_the_live_entrants_and_the_seed_hash_only()
    {
        var drawAt = new DateTimeOffset(2026, 11, 24, 0, 0, 30, TimeSpan.Zero);
        var draw = new CampaignDraw(30, drawAt, SeedHash, null, null, 1234, null);

        var card = Render<CampaignDrawCard>(p => p.Add(c => c.Draw, draw).Add(c => c.Zone, Seoul).Add(c => c.Now, drawAt.AddSeconds(-10)));

        Assert.Equal("entering", card.Find("[data-test=draw-phase]").TextContent.Trim());
        Assert.Equal("first 30 s of the issue window", card.Find("[data-test=draw-window]").TextContent);
        Assert.Equal("2026-11-24 09:00:30", card.Find("[data-test=draw-at]").TextContent);
        Assert.Contains("Draw at (Asia/Seoul)", card.Markup);
        Assert.Equal("1,234", card.Find("[data-test=draw-entrants]").TextContent);
        Assert.Equal(SeedHash, card.Find("[data-test=seed-hash]").TextContent);
        Assert.Contains("seed", card.Find("[data-test=seed-hash]").ClassList);
        Assert.Empty(card.FindAll("[data-test=seed]"));
        Assert.Empty(card.FindAll("[data-test=draw-winners]"));
        Assert.Contains("Auditing a draw", card.Find("[data-test=draw-audit]").TextContent);
    }

    [Fact]
    public void The_draw_card_once_drawn_shows_the_winners_and_reveals_the_seed()
    {
        var drawAt = new DateTimeOffset(2026, 11, 24, 0, 0, 30, TimeSpan.Zero);
        var draw = new CampaignDraw(30, drawAt, SeedHash, Seed, drawAt.AddSeconds(2), 1234, 100);

        var card = Render<CampaignDrawCard>(p => p.Add(c => c.Draw, draw).Add(c => c.Zone, Seoul).Add(c => c.Now, drawAt.AddMinutes(1)));

        Assert.Equal("drawn", card.Find("[data-test=draw-phase]").TextContent.Trim());
        Assert.Equal("2026-11-24 09:00:32", card.Find("[data-test=drawn-at]").TextContent);
        Assert.Equal("1,234", card.Find("[data-test=draw-entrants]").TextContent);
        Assert.Equal("100", card.Find("[data-test=draw-winners]").TextContent);
        Assert.Equal(Seed, card.Find("[data-test=seed]").TextContent);
        Assert.Equal(SeedHash, card.Find("[data-test=seed-hash]").TextContent);
        Assert.Empty(card.FindAll("[data-test=seed-hidden]"));
    }

    [Fact]
    public void The_draw_card_between_the_window_and_the_draw_says_it_is_drawing()
    {
        var drawAt = new DateTimeOffset(2026, 11, 24, 0, 0, 30, TimeSpan.Zero);
        var draw = new CampaignDraw(30, drawAt, SeedHash, null, null, 7, null);

        var card = Render<CampaignDrawCard>(p => p.Add(c => c.Draw, draw).Add(c => c.Now, drawAt.AddSeconds(1)));

        Assert.Equal("drawing", card.Find("[data-test=draw-phase]").TextContent.Trim());
        Assert.Equal("2026-11-24 00:00:30", card.Find("[data-test=draw-at]").TextContent);
        Assert.NotNull(card.Find("[data-test=seed-hidden]"));
    }

    // The helper text MudBlazor renders under an input: the error message when the field is in error.
    private static string? HelperText(IRenderedComponent<CampaignForm> form, string field)
    {
        var container = form.FindAll($"[data-test={field}]").FirstOrDefault()?.Closest(".mud-input-control");
        var error = container?.QuerySelector(".mud-input-helper-text.mud-input-error .me-auto");
        return error?.TextContent.Trim() is { Length: > 0 } text ? text : null;
    }

    // The api's side of the form's requests: one answer for all, or unreachable while none is set.
    private sealed class ApiAnswer : HttpMessageHandler
    {
        public HttpStatusCode? Status { get; set; }

        public string Body { get; set; } = "";

        public HttpMethod? LastMethod { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastMethod = request.Method;
            if (Status is not { } status)
                throw new HttpRequestException("Connection refused.");
            return Task.FromResult(new HttpResponseMessage(status)
            {
                Content = new StringContent(Body, System.Text.Encoding.UTF8, "application/problem+json"),
            });
        }
    }
}
