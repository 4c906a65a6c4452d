using Bunit;
using Coupon.Admin.Api;
using Coupon.Admin.Campaigns;
using Coupon.Core.Contracts;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Coupon.Tests.Admin;

// The components' own logic, rendered by bunit: no server. The form's api client points at a
// closed port; these tests stop at the rules, before any request would be sent.
public sealed class CampaignComponentTests : IAsyncLifetime
{
    private static readonly TimeZoneInfo Seoul = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");

    // MudBlazor's services only dispose asynchronously, so the context is disposed that way.
    private readonly BunitContext _context = new();

    public CampaignComponentTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton(TimeProvider.System);
        _context.Services.AddSingleton(new CouponApiClient(new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") }));
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

    // The helper text MudBlazor renders under an input: the error message when the field is in error.
    private static string? HelperText(IRenderedComponent<CampaignForm> form, string field)
    {
        var container = form.FindAll($"[data-test={field}]").FirstOrDefault()?.Closest(".mud-input-control");
        var error = container?.QuerySelector(".mud-input-helper-text.mud-input-error .me-auto");
        return error?.TextContent.Trim() is { Length: > 0 } text ? text : null;
    }
}
