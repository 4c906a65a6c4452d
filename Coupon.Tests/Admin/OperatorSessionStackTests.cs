using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Coupon.Admin.SignIn;
using Coupon.AppHost.Hosting;
using Coupon.Tests.Fixture;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coupon.Tests.Admin;

// Sign-in, sign-out and open sessions against the real admin process: what a stranger can and
// cannot do to the operator's access, over plain HTTP from chosen client addresses and in Chromium.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed partial class OperatorSessionStackTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly IPAddress OperatorAddress = IPAddress.Loopback;
    private static readonly IPAddress StrangerAddress = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress ProxyAddress = IPAddress.Parse("127.0.0.3");

    private AdminBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await AdminBrowser.StartAsync(stack);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task A_strangers_failures_are_throttled_and_the_operator_still_signs_in_from_another_address()
    {
        // A spare admin sees the clients' own addresses (the shared one sits behind DCP's proxy).
        await using var admin = await stack.StartProjectAsync(CouponProject.Admin);
        using var stranger = ClientFrom(StrangerAddress, admin.BaseAddress);

        foreach (var userName in (string[])[DevelopmentTokens.OperatorUserName, "root"])
        {
            using var throttled = await FailUntilThrottledAsync(stranger, userName);
            Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 says when to come back");
        }
        using var operatorClient = ClientFrom(OperatorAddress, admin.BaseAddress);
        await AssertOperatorSignsInAsync(operatorClient);
    }

    [Fact]
    public async Task Behind_a_configured_proxy_each_forwarded_client_has_its_own_limit_and_others_cannot_forward()
    {
        await using var admin = await stack.StartProjectAsync(CouponProject.Admin, new Dictionary<string, string?>
        {
            ["ForwardedHeaders__KnownProxies__0"] = ProxyAddress.ToString(),
        });
        using var first = ClientFrom(ProxyAddress, admin.BaseAddress, forwardedFor: "203.0.113.10");
        using var second = ClientFrom(ProxyAddress, admin.BaseAddress, forwardedFor: "203.0.113.11");

        (await FailUntilThrottledAsync(first, DevelopmentTokens.OperatorUserName)).Dispose();
        using (var guess = await PostSignInAsync(second, DevelopmentTokens.OperatorUserName, "a guess of its own"))
            Assert.Contains("error=wrong", guess.Headers.Location?.OriginalString);

        // From an address that is no configured proxy, a new X-Forwarded-For per guess buys nothing.
        var attempt = 0;
        using var spoofer = ClientFrom(StrangerAddress, admin.BaseAddress, forwardedFor: () => $"198.51.100.{++attempt}");
        (await FailUntilThrottledAsync(spoofer, DevelopmentTokens.OperatorUserName)).Dispose();
    }

    [Fact]
    public async Task A_browser_that_signed_in_before_signs_in_from_an_address_a_stranger_has_throttled()
    {
        // Every client from one address, as behind DCP's proxy or an ingress.
        await using var admin = await stack.StartProjectAsync(CouponProject.Admin);
        using var operatorBrowser = ClientFrom(OperatorAddress, admin.BaseAddress);
        using (var signedIn = await PostSignInAsync(operatorBrowser, DevelopmentTokens.OperatorUserName, stack.OperatorPassword))
            Assert.Equal("/", signedIn.Headers.Location?.OriginalString);

        // What was seen: ten made-up names, then the operator's name, until throttled.
        using var stranger = ClientFrom(OperatorAddress, admin.BaseAddress);
        for (var i = 0; i < 10; i++)
            (await PostSignInAsync(stranger, $"made-up-{i}", "guess")).Dispose();
        (await FailUntilThrottledAsync(stranger, DevelopmentTokens.OperatorUserName, atLeast: TimeSpan.FromSeconds(4))).Dispose();

        using (var again = await PostSignInAsync(operatorBrowser, DevelopmentTokens.OperatorUserName, stack.OperatorPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
            Assert.Equal("/", again.Headers.Location?.OriginalString);
        }
        using var newcomer = ClientFrom(OperatorAddress, admin.BaseAddress);
        using var throttled = await PostSignInAsync(newcomer, DevelopmentTokens.OperatorUserName, stack.OperatorPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
    }

    // What LocalRedirect refuses (a control character) and what would leave the site.
    public static TheoryData<string> OddReturnAddresses { get; } =
        ["/\t/x", "/campaigns\n/7", "https://evil.example/", "//evil.example/", "/\\evil.example/", "/" + new string('a', 5_000)];

    [Theory]
    [MemberData(nameof(OddReturnAddresses))]
    public async Task The_right_password_with_an_odd_return_address_signs_in_to_the_home_page(string returnUrl)
    {
        using var operatorClient = ClientFrom(OperatorAddress, stack.EndpointOf("admin"));

        await AssertOperatorSignsInAsync(operatorClient, returnUrl);
    }

    [Fact]
    public async Task Sign_out_without_the_antiforgery_token_is_refused_and_the_session_stays()
    {
        using var operatorClient = ClientFrom(OperatorAddress, stack.EndpointOf("admin"));
        using (var signedIn = await PostSignInAsync(operatorClient, DevelopmentTokens.OperatorUserName, stack.OperatorPassword))
            Assert.Equal("/", signedIn.Headers.Location?.OriginalString);

        using (var forged = await operatorClient.PostAsync("account/signout", new FormUrlEncodedContent([])))
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        using var campaigns = await operatorClient.GetAsync("campaigns");
        Assert.Equal(HttpStatusCode.OK, campaigns.StatusCode);
    }

    [Fact]
    public async Task An_unknown_address_shows_not_found_without_opening_a_circuit_for_an_anonymous_visitor()
    {
        var page = await _browser.NewPageAsync();
        var blazorTraffic = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/_blazor", StringComparison.Ordinal))
                blazorTraffic.Add(request.Url);
        };
        page.WebSocket += (_, socket) => blazorTraffic.Add(socket.Url);

        var response = await page.GotoAsync("/no-such-page");

        Assert.Equal((int)HttpStatusCode.NotFound, response?.Status);
        await Expect(page.GetByText("There is no such page.")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Empty(blazorTraffic);
    }

    [Fact]
    public async Task Signing_out_in_one_tab_sends_the_other_open_tab_to_sign_in()
    {
        await using var admin = await stack.StartProjectAsync(CouponProject.Admin, new Dictionary<string, string?>
        {
            [OperatorSessionRevalidation.IntervalKey.Replace(":", "__", StringComparison.Ordinal)] = "00:00:01",
        });
        var first = await _browser.SignedInPageAsync(stack.OperatorPassword, admin: admin.BaseAddress);
        var second = await first.Context.NewPageAsync();
        await second.GotoAsync("/system");
        await Expect(second.Locator("[data-test=resource]").First).ToBeVisibleAsync();

        await first.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        // Sent by the sign-out itself, or first by its own session check (then with a return address).
        await Expect(first).ToHaveURLAsync(SignInPage());

        await Expect(second).ToHaveURLAsync(ReturnTo("system"), new() { Timeout = 10_000 });
    }

    // The stranger alternates wrong guesses until the admin answers 429 instead of checking them.
    // Wrong passwords until the throttle answers 429, and on (each backoff waited out, so that
    // every failure counts and doubles the next) until it asks for at least `atLeast`: a test that
    // checks the throttle still holds after other requests must not depend on the machine's speed.
    private static async Task<HttpResponseMessage> FailUntilThrottledAsync(HttpClient stranger, string userName, TimeSpan atLeast = default)
    {
        var failures = 0;
        for (var attempt = 1; attempt <= SignInThrottle.FreeFailuresPerUserName + 8; attempt++)
        {
            var response = await PostSignInAsync(stranger, userName, $"guess {attempt}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero;
                if (wait >= atLeast)
                    return response;
                response.Dispose();
                await Task.Delay(wait);
                continue;
            }
            using (response)
            {
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                Assert.Contains("error=wrong", response.Headers.Location?.OriginalString);
            }
            Assert.True(++failures <= SignInThrottle.FreeFailuresPerUserName + 6, $"{failures} failures for {userName} and still no wait of {atLeast}.");
        }
        Assert.Fail($"{userName} was never throttled for {atLeast} or more.");
        return null!;
    }

    // The sign-in form as a browser posts it: its antiforgery token and cookie first.
    // Signed in, sent home (never to the return address given), and the console answers.
    private async Task AssertOperatorSignsInAsync(HttpClient operatorClient, string returnUrl = "/")
    {
        using var signedIn = await PostSignInAsync(operatorClient, DevelopmentTokens.OperatorUserName, stack.OperatorPassword, returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        using var campaigns = await operatorClient.GetAsync("campaigns");
        Assert.Equal(HttpStatusCode.OK, campaigns.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string userName, string password, string returnUrl = "/")
    {
        var form = await client.GetStringAsync("signin");
        var token = AntiforgeryField().Match(form).Groups["token"].Value;
        return await client.PostAsync("account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["userName"] = userName,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        }));
    }

    private static HttpClient ClientFrom(IPAddress local, Uri admin, string forwardedFor) =>
        ClientFrom(local, admin, () => forwardedFor);

    // An HTTP client whose connections leave from the given loopback address, with its own cookies
    // and, when given, an X-Forwarded-For on each request as a proxy would add.
    private static HttpClient ClientFrom(IPAddress local, Uri admin, Func<string>? forwardedFor = null) => new(new ForwardedFor(forwardedFor, new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        CookieContainer = new CookieContainer(),
        ConnectCallback = async (context, cancellation) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }))
    { BaseAddress = admin };

    private sealed class ForwardedFor(Func<string>? client, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (client is not null)
                request.Headers.Add("X-Forwarded-For", client());
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static Regex SignInPage() => new("/signin(\\?returnUrl=%2F)?$", RegexOptions.IgnoreCase);

    private static Regex ReturnTo(string path) => new($"/signin\\?returnUrl=%2F{path}$", RegexOptions.IgnoreCase);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
