using System.Net;
using Coupon.Admin.Api;
using Coupon.Admin.Campaigns;
using Coupon.Core.Contracts;

namespace Coupon.Tests.Admin;

public sealed class CampaignFormModelTests
{
    private static readonly TimeZoneInfo Seoul = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");

    [Fact]
    public void Local_wall_times_become_utc_instants()
    {
        var model = new CampaignFormModel
        {
            Title = "  Flash sale  ",
            TotalQuantity = 100,
            DiscountAmount = 1000,
            MinOrderAmount = 0,
            StartDate = new DateTime(2026, 11, 24),
            StartTime = new TimeSpan(9, 0, 0),
            EndDate = new DateTime(2026, 11, 24),
            EndTime = new TimeSpan(10, 30, 0),
        };

        var request = model.ToRequest(Seoul);

        Assert.Equal("Flash sale", request.Title);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), request.IssueStart);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 30, 0, TimeSpan.Zero), request.IssueEnd);
        Assert.Empty(CampaignRules.Validate(request));
    }

    [Fact]
    public void A_new_campaign_opens_at_the_current_minute_for_an_hour()
    {
        var now = new DateTimeOffset(2026, 11, 23, 23, 59, 42, TimeSpan.Zero);

        var request = CampaignFormModel.New(now, Seoul).ToRequest(Seoul);

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 23, 59, 0, TimeSpan.Zero), request.IssueStart);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 59, 0, TimeSpan.Zero), request.IssueEnd);
        Assert.Empty(CampaignRules.Validate(request with { Title = "Flash sale" }));
    }

    [Fact]
    public void Unlimited_sends_no_quantity_and_a_cleared_quantity_fails_the_rules()
    {
        var model = CampaignFormModel.New(DateTimeOffset.UtcNow, Seoul);
        model.Unlimited = true;
        Assert.Null(model.ToRequest(Seoul).TotalQuantity);

        model.Unlimited = false;
        model.TotalQuantity = null;
        Assert.Contains("totalQuantity", CampaignRules.Validate(model.ToRequest(Seoul)).Keys);
    }

    [Fact]
    public void Editing_round_trips_a_campaign_through_the_operators_zone()
    {
        var start = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);
        var view = new CampaignView(7, "Night sale", null, 500, 10000, start, start.AddHours(3),
            CampaignState.Scheduled, 0, 0, null, start, start, 0);

        var model = CampaignFormModel.From(view, Seoul);

        Assert.True(model.Unlimited);
        Assert.Equal(new DateTime(2026, 11, 24), model.StartDate);
        Assert.Equal(new TimeSpan(8, 30, 0), model.StartTime);
        var request = model.ToRequest(Seoul);
        Assert.Equal(view.IssueStart, request.IssueStart);
        Assert.Equal(view.IssueEnd, request.IssueEnd);
    }

    [Fact]
    public void Editing_round_trips_a_draw_campaign_with_its_window()
    {
        var start = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);
        var draw = new CampaignDraw(45, start.AddSeconds(45), new string('a', 64), null, null, 0, null);
        var view = new CampaignView(7, "Night draw", 100, 500, 0, start, start.AddHours(3),
            CampaignState.Scheduled, 0, 0, 100, start, start, 0, OpeningMode.Draw, draw);

        var request = CampaignFormModel.From(view, Seoul).ToRequest(Seoul);

        Assert.Equal(OpeningMode.Draw, request.OpeningMode);
        Assert.Equal(45, request.DrawWindowSeconds);
        Assert.Empty(CampaignRules.Validate(request));
    }

    [Fact]
    public void A_first_come_campaign_sends_no_draw_window_even_after_one_was_typed()
    {
        var model = CampaignFormModel.New(DateTimeOffset.UtcNow, Seoul);
        model.Title = "Flash sale";
        model.OpeningMode = OpeningMode.Draw;
        model.DrawWindowSeconds = 90;
        model.OpeningMode = OpeningMode.FirstCome;

        var request = model.ToRequest(Seoul);

        Assert.Equal(OpeningMode.FirstCome, request.OpeningMode);
        Assert.Null(request.DrawWindowSeconds);
        Assert.Empty(CampaignRules.Validate(request));
        // Picked again, the draw keeps the window the operator typed.
        model.OpeningMode = OpeningMode.Draw;
        Assert.Equal(90, model.ToRequest(Seoul).DrawWindowSeconds);
    }

    [Fact]
    public void A_new_draw_offers_a_window_the_rules_accept()
    {
        var model = CampaignFormModel.New(DateTimeOffset.UtcNow, Seoul);
        model.Title = "Flash draw";
        model.OpeningMode = OpeningMode.Draw;

        var request = model.ToRequest(Seoul);

        Assert.Equal(CampaignFormModel.DefaultDrawWindowSeconds, request.DrawWindowSeconds);
        Assert.Empty(CampaignRules.Validate(request));
    }

    [Fact]
    public void A_draw_of_unlimited_quantity_or_past_the_issue_end_fails_at_those_fields()
    {
        var model = CampaignFormModel.New(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), Seoul);
        model.Title = "Flash draw";
        model.OpeningMode = OpeningMode.Draw;
        model.Unlimited = true;
        // A one-minute issue window, one second shorter than the draw's.
        model.EndTime = model.StartTime + TimeSpan.FromMinutes(1);
        model.DrawWindowSeconds = 61;

        var errors = CampaignRules.Validate(model.ToRequest(Seoul));

        Assert.Equal(["A draw needs a total quantity."], errors["totalQuantity"]);
        Assert.Equal(["The draw window must end within the issue window."], errors["drawWindowSeconds"]);
    }

    [Fact]
    public void A_draw_window_that_opened_at_the_current_minute_may_already_be_over()
    {
        var now = new DateTimeOffset(2026, 11, 24, 0, 0, 45, TimeSpan.Zero);
        var model = CampaignFormModel.New(now, Seoul);
        model.OpeningMode = OpeningMode.Draw;

        Assert.True(model.DrawWindowOver(now, Seoul));
        model.DrawWindowSeconds = 46;
        Assert.False(model.DrawWindowOver(now, Seoul));
        model.OpeningMode = OpeningMode.FirstCome;
        model.DrawWindowSeconds = 30;
        Assert.False(model.DrawWindowOver(now, Seoul));
    }

    [Fact]
    public void The_opening_is_locked_once_the_issue_window_has_opened_or_the_draw_is_made()
    {
        var start = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
        var draw = new CampaignDraw(30, start.AddSeconds(30), new string('a', 64), null, null, 0, null);
        var view = new CampaignView(7, "Night draw", 100, 500, 0, start, start.AddHours(3),
            CampaignState.Scheduled, 0, 0, 100, start, start, 0, OpeningMode.Draw, draw);

        Assert.False(CampaignFormModel.OpeningLocked(null, start.AddDays(1)));
        Assert.False(CampaignFormModel.OpeningLocked(view, start.AddSeconds(-1)));
        Assert.True(CampaignFormModel.OpeningLocked(view, start));
        var drawn = view with { Draw = draw with { DrawnAt = start.AddSeconds(-1) } };
        Assert.True(CampaignFormModel.OpeningLocked(drawn, start.AddSeconds(-2)));
    }

    [Fact]
    public void An_opening_refused_as_locked_goes_back_as_loaded_and_says_so_at_the_opening()
    {
        var start = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
        var view = new CampaignView(7, "Night sale", 100, 500, 0, start, start.AddHours(3),
            CampaignState.Open, 0, 0, 100, start, start, 0);
        var model = CampaignFormModel.From(view, Seoul);
        model.OpeningMode = OpeningMode.Draw;
        var problem = ApiProblem.Parse(HttpStatusCode.Conflict,
            """{"title":"The opening is locked","status":409,"code":"opening-locked","detail":"The issue window has opened."}""");

        model.KeepOpeningOf(view, Seoul);
        var errors = FormErrors.FromProblem(problem);

        Assert.Equal(OpeningMode.FirstCome, model.OpeningMode);
        Assert.Null(model.ToRequest(Seoul).DrawWindowSeconds);
        Assert.Equal(FormErrors.OpeningLockedMessage, errors.For("openingMode"));
        Assert.Null(errors.General);
    }

    [Fact]
    public void A_draws_issue_start_refused_as_locked_goes_back_with_its_opening()
    {
        var start = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);
        var draw = new CampaignDraw(30, start.AddSeconds(30), new string('a', 64), null, null, 5, null);
        var view = new CampaignView(7, "Night draw", 100, 500, 0, start, start.AddHours(3),
            CampaignState.Open, 0, 0, 100, start, start, 0, OpeningMode.Draw, draw);
        var model = CampaignFormModel.From(view, Seoul);
        model.StartTime = new TimeSpan(9, 0, 0);
        model.DrawWindowSeconds = 60;
        model.Title = "Renamed";

        model.KeepOpeningOf(view, Seoul);

        var request = model.ToRequest(Seoul);
        Assert.Equal(view.IssueStart, request.IssueStart);
        Assert.Equal(30, request.DrawWindowSeconds);
        Assert.Equal("Renamed", request.Title);
        Assert.True(CampaignFormModel.IssueStartLocked(view, start));
        Assert.False(CampaignFormModel.IssueStartLocked(view with { OpeningMode = OpeningMode.FirstCome, Draw = null }, start));
    }

    [Fact]
    public void Api_field_errors_of_a_draw_land_at_the_draw_window()
    {
        var problem = ApiProblem.Parse(HttpStatusCode.BadRequest, """
            {"title":"One or more validation errors occurred.","status":400,"code":"validation-failed",
             "errors":{"drawWindowSeconds":["The draw window must end within the issue window."]}}
            """);

        var errors = FormErrors.FromProblem(problem);

        Assert.Equal("The draw window must end within the issue window.", errors.For("drawWindowSeconds"));
        Assert.Null(errors.General);
    }

    [Fact]
    public void Api_field_errors_land_on_their_fields_and_the_rest_above_the_form()
    {
        var problem = ApiProblem.Parse(HttpStatusCode.BadRequest, """
            {"title":"One or more validation errors occurred.","status":400,"code":"validation-failed",
             "errors":{"title":["Title is required."],"issueEnd":["Issue end must be after issue start.","Too far."],"budget":["Unknown."]}}
            """);

        var errors = FormErrors.FromProblem(problem);

        Assert.Equal(ProblemCodes.ValidationFailed, problem.Code);
        Assert.Equal("Title is required.", errors.For("title"));
        Assert.Equal("Issue end must be after issue start. Too far.", errors.For("issueEnd"));
        Assert.False(errors.Has("totalQuantity"));
        Assert.Equal("Unknown.", errors.General);
    }

    [Fact]
    public void A_quantity_below_what_was_accepted_is_shown_at_the_quantity()
    {
        var problem = ApiProblem.Parse(HttpStatusCode.BadRequest, """
            {"title":"The request is not valid","status":400,"code":"quantity-below-accepted",
             "errors":{"totalQuantity":["Total quantity cannot be below the 3 coupons already accepted."]}}
            """);

        var errors = FormErrors.FromProblem(problem);

        Assert.Equal("Total quantity cannot be below the 3 coupons already accepted.", errors.For("totalQuantity"));
        Assert.Null(errors.General);
    }

    [Fact]
    public void A_quantity_below_what_was_accepted_without_field_errors_is_still_shown_at_the_quantity()
    {
        var problem = ApiProblem.Parse(HttpStatusCode.Conflict,
            """{"title":"Quantity too low","detail":"42 coupons were already accepted.","code":"quantity-below-accepted"}""");

        var errors = FormErrors.FromProblem(problem);

        Assert.Equal("42 coupons were already accepted.", errors.For("totalQuantity"));
        Assert.Null(errors.General);
    }

    [Fact]
    public void A_problem_without_field_errors_or_json_is_shown_above_the_form()
    {
        var errors = FormErrors.FromProblem(ApiProblem.Parse(HttpStatusCode.Forbidden, "<html>nope</html>"));

        Assert.Equal("The api answered 403 Forbidden.", errors.General);
        Assert.True(errors.Any);
    }
}
