using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Coupon.Testing;
using Coupon.Core.Auth;
using Coupon.Core.Contracts;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Issuing;

// Whatever a client sends, it gets a clear 4xx problem (never a 5xx) and nothing changes.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class BadInputTests(StackFixture stack) : SharedApiTests(stack)
{
    private const long User = 900_001;

    [Fact]
    public async Task Bad_tokens_are_401_and_user_tokens_cannot_administer()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        var issue = $"/api/coupons/{campaign.Id}/issue";
        var tokens = Stack.Tokens.Users;
        var stranger = TokenSigning.ForUsers(TokenSigning.GenerateKey());

        var unauthorized = new (string Case, string? Token)[]
        {
            ("no token", null),
            ("garbage", "not-a-jwt"),
            ("forged", stranger.CreateUserToken(User, TimeSpan.FromHours(1))),
            ("expired", tokens.Create("900001", [], TimeSpan.FromMinutes(1), DateTime.UtcNow.AddMinutes(-10))),
            ("wrong audience", new TokenSigning(TokenSigning.UserIssuer, tokens.PrivateKey, audience: "someone-else").CreateUserToken(User, TimeSpan.FromHours(1))),
            ("wrong issuer", new TokenSigning("someone-else", tokens.PrivateKey).CreateUserToken(User, TimeSpan.FromHours(1))),
            ("non-numeric sub", tokens.Create("alice", [], TimeSpan.FromHours(1))),
            ("zero sub", tokens.Create("0", [], TimeSpan.FromHours(1))),
            ("negative sub", tokens.Create("-5", [], TimeSpan.FromHours(1))),
            ("huge sub", tokens.Create("99999999999999999999", [], TimeSpan.FromHours(1))),
        };
        await AssertNothingChangesAsync(campaign.Id, async () =>
        {
            foreach (var (name, token) in unauthorized)
            {
                foreach (var (method, path) in new[] { (HttpMethod.Post, issue), (HttpMethod.Get, issue), (HttpMethod.Get, "/api/users/me/coupons"), (HttpMethod.Get, "/api/admin/coupons") })
                {
                    using var response = await Api.SendAsync(method, path, token);
                    await IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized, $"{name}: {method} {path}");
                }
            }

            var user = Api.UserToken(User);
            foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
            {
                (HttpMethod.Get, "/api/admin/coupons", null),
                (HttpMethod.Get, $"/api/admin/coupons/{campaign.Id}/stats", null),
                (HttpMethod.Get, "/api/admin/system", null),
                (HttpMethod.Post, "/api/admin/coupons", ValidBody),
                (HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", ValidBody),
            })
            {
                using var response = await Api.SendAsync(method, path, user, Json(body));
                await IsProblemAsync(response, HttpStatusCode.Forbidden, ProblemCodes.Forbidden, $"user token: {method} {path}");
            }
        });
    }

    [Fact]
    public async Task Unknown_negative_and_huge_ids_are_4xx()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        var user = Api.UserToken(User);

        await AssertNothingChangesAsync(campaign.Id, async () =>
        {
            foreach (var (id, status, code) in new (string, HttpStatusCode, string)[]
            {
                ("999999999999", HttpStatusCode.NotFound, ProblemCodes.CouponNotFound),
                ("0", HttpStatusCode.NotFound, ProblemCodes.CouponNotFound),
                ("-1", HttpStatusCode.NotFound, ProblemCodes.CouponNotFound),
                (long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), HttpStatusCode.NotFound, ProblemCodes.CouponNotFound),
                ("99999999999999999999999", HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
                ("abc", HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
                ("1.5", HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            })
            {
                foreach (var (method, path, token) in new[]
                {
                    (HttpMethod.Post, $"/api/coupons/{id}/issue", user),
                    (HttpMethod.Get, $"/api/coupons/{id}/issue", user),
                    (HttpMethod.Get, $"/api/coupons/{id}", null),
                    (HttpMethod.Get, $"/api/admin/coupons/{id}", Api.OperatorToken),
                    (HttpMethod.Get, $"/api/admin/coupons/{id}/stats", Api.OperatorToken),
                })
                {
                    using var response = await Api.SendAsync(method, path, token);
                    await IsProblemAsync(response, status, code, $"{method} {path}");
                }
                using var edit = await Api.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{id}", Api.OperatorToken, Json(ValidBody));
                await IsProblemAsync(edit, status, code, $"PUT {id}");
            }
        });
    }

    [Fact]
    public async Task Malformed_oversized_and_mistyped_bodies_are_4xx()
    {
        var campaign = await Api.CreateOpenCampaignAsync(10, await Redis.NowAsync());
        var bodies = new (string Case, HttpContent? Content, HttpStatusCode Status, string Code)[]
        {
            ("no body", null, HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("malformed JSON", Json("{\"title\": "), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("wrong JSON types", Json("{\"title\":\"x\",\"totalQuantity\":\"lots\"}"), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("a JSON array", Json("[1,2,3]"), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("oversized", Json($"{{\"title\":\"{new string('a', 100_000)}\"}}"), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.BodyTooLarge),
            ("text/plain", new StringContent(ValidBody, Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
            ("form", new FormUrlEncodedContent([new("title", "x")]), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
            ("empty title", Changed("\"Bad input\"", "\"\""), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("start after end", Json("{\"title\":\"x\",\"totalQuantity\":1,\"discountAmount\":1,\"minOrderAmount\":0,\"issueStart\":\"2030-01-02T00:00:00Z\",\"issueEnd\":\"2030-01-01T00:00:00Z\"}"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("zero quantity", Changed("\"totalQuantity\":5", "\"totalQuantity\":0"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("negative amount", Changed("\"discountAmount\":100", "\"discountAmount\":-1"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("discount beyond DECIMAL(12,2)", Changed("\"discountAmount\":100", "\"discountAmount\":99999999999999"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("minimum order beyond DECIMAL(12,2)", Changed("\"minOrderAmount\":0", "\"minOrderAmount\":10000000000"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("three decimals", Changed("\"discountAmount\":100", "\"discountAmount\":100.005"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("discount above the minimum order", Changed("\"minOrderAmount\":0", "\"minOrderAmount\":50"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("start in year 1", Changed("2030-01-01T00:00:00Z", "0001-01-01T00:00:00Z"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("start before 2000", Changed("2030-01-01T00:00:00Z", "1999-12-31T23:59:59Z"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("end at the last second of year 9999", Changed("2030-01-02T00:00:00Z", "9999-12-31T23:59:59Z"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("end in year 10000", Changed("2030-01-02T00:00:00Z", "10000-01-01T00:00:00Z"), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("a time without an offset", Changed("2030-01-01T00:00:00Z", "2030-01-01T00:00:00"), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("a date without a time", Changed("2030-01-02T00:00:00Z", "2030-01-02"), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("a draw without a window", Draw(null), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("a draw window of 0 s", Draw("0"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("a draw window of -1 s", Draw("-1"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("a draw window of 601 s", Draw("601"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("a draw window past the issue end", Json(ValidBody.Replace("2030-01-02T00:00:00Z", "2030-01-01T00:05:00Z", StringComparison.Ordinal)
                .Replace("\"totalQuantity\":5", "\"totalQuantity\":5,\"openingMode\":\"draw\",\"drawWindowSeconds\":301", StringComparison.Ordinal)),
                HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("a draw of unlimited coupons", Changed("\"totalQuantity\":5", "\"totalQuantity\":null,\"openingMode\":\"draw\",\"drawWindowSeconds\":30"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("a draw window for first come", Changed("\"totalQuantity\":5", "\"totalQuantity\":5,\"drawWindowSeconds\":30"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed),
            ("a draw window with a fraction", Draw("30.5"), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("a draw window beyond int", Draw("99999999999"), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
            ("an unknown opening mode", Changed("\"totalQuantity\":5", "\"totalQuantity\":5,\"openingMode\":\"lottery\""), HttpStatusCode.BadRequest, ProblemCodes.BadRequest),
        };

        await AssertNothingChangesAsync(campaign.Id, async () =>
        {
            foreach (var (name, content, status, code) in bodies)
            {
                foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/admin/coupons"), (HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}") })
                {
                    using var request = content is null ? null : await CopyAsync(content);
                    using var response = await Api.SendAsync(method, path, Api.OperatorToken, request);
                    var problem = await IsProblemAsync(response, status, code, $"{name}: {method} {path}");
                    if (code == ProblemCodes.ValidationFailed)
                        Assert.True(problem.TryGetProperty("errors", out _), $"{name}: no field errors");
                }
            }
        });

        // Lowering the quantity below what was accepted is refused, and changes nothing either.
        foreach (var user in new[] { User, User + 1 })
        {
            using var issued = await Api.IssueAsync(campaign.Id, user);
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        }
        await Invariants.AssertAsync(campaign.Id, 10, accepted: [User, User + 1], refused: []);
        await AssertNothingChangesAsync(campaign.Id, async () =>
        {
            using var lowered = await Api.SendAsync(HttpMethod.Put, $"/api/admin/coupons/{campaign.Id}", Api.OperatorToken,
                Changed("\"totalQuantity\":5", "\"totalQuantity\":1"));
            var problem = await IsProblemAsync(lowered, HttpStatusCode.BadRequest, ProblemCodes.QuantityBelowAccepted, "lowered quantity");
            Assert.True(problem.GetProperty("errors").TryGetProperty("totalQuantity", out _));
        });
    }

    [Fact]
    public async Task The_widest_window_accepted_issues_and_answers_like_any_other()
    {
        var campaign = await Api.CreateCampaignAsync(10, CampaignRules.EarliestIssueTime, CampaignRules.LatestIssueTime);

        using (var issued = await Api.IssueAsync(campaign.Id, User))
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
        using var info = await Api.SendAsync(HttpMethod.Get, $"/api/coupons/{campaign.Id}", null);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        await Invariants.AssertAsync(campaign.Id, 10, accepted: [User], refused: []);
    }

    private const string ValidBody =
        "{\"title\":\"Bad input\",\"totalQuantity\":5,\"discountAmount\":100,\"minOrderAmount\":0," +
        "\"issueStart\":\"2030-01-01T00:00:00Z\",\"issueEnd\":\"2030-01-02T00:00:00Z\"}";

    // The valid body as a draw with that window (JSON text; null: none).
    private static StringContent Draw(string? window) =>
        Changed("\"totalQuantity\":5", "\"totalQuantity\":5,\"openingMode\":\"draw\"" + (window is null ? "" : $",\"drawWindowSeconds\":{window}"));

    // The valid body with one piece of it replaced.
    private static StringContent Changed(string from, string to) => Json(ValidBody.Replace(from, to, StringComparison.Ordinal))!;

    private static StringContent? Json(string? body) =>
        body is null ? null : new StringContent(body, Encoding.UTF8, "application/json");

    private static async Task<HttpContent> CopyAsync(HttpContent content)
    {
        var copy = new ByteArrayContent(await content.ReadAsByteArrayAsync());
        copy.Headers.ContentType = content.Headers.ContentType is { } type ? MediaTypeHeaderValue.Parse(type.ToString()) : null;
        return copy;
    }

    private static async Task<System.Text.Json.JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string what)
    {
        try
        {
            return await ProblemAssert.IsProblemAsync(response, status, code);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: {e.Message}");
        }
    }

    // MySQL (campaigns, the campaign's and the user's rows) and the campaign's Redis state are the
    // same after the calls.
    private async Task AssertNothingChangesAsync(long campaignId, Func<Task> calls)
    {
        var rowsBefore = await Invariants.FootprintAsync(campaignId, User);
        var winnersBefore = await Redis.WinnersAsync(campaignId);
        var db = await Redis.DatabaseAsync();
        var metaBefore = await db.HashGetAllAsync(new Coupon.Core.Issuing.CampaignKeys(campaignId).Meta);

        await calls();

        Assert.Equal(rowsBefore, await Invariants.FootprintAsync(campaignId, User));
        Assert.Equal(winnersBefore, await Redis.WinnersAsync(campaignId));
        var metaAfter = await db.HashGetAllAsync(new Coupon.Core.Issuing.CampaignKeys(campaignId).Meta);
        Assert.Equal(metaBefore.OrderBy(e => e.Name.ToString()), metaAfter.OrderBy(e => e.Name.ToString()));
    }
}
