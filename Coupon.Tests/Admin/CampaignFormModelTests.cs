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
