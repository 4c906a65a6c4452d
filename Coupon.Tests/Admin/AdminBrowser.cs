using Coupon.AppHost.Hosting;
using Coupon.Tests.Fixture;
using Microsoft.Playwright;

namespace Coupon.Tests.Admin;

// Debian's Chromium driven by Playwright (never Playwright's own browser download), and the
// admin console it looks at: the AppHost's admin, signed in with the run's operator.
public sealed class AdminBrowser : IAsyncDisposable
{
    public const int DesktopWidth = 1280;
    public const int PhoneWidth = 390;
    public const string OperatorTimeZone = "Asia/Seoul";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private AdminBrowser(IPlaywright playwright, IBrowser browser, Uri adminAddress)
    {
        _playwright = playwright;
        _browser = browser;
        AdminAddress = adminAddress;
    }

    public Uri AdminAddress { get; }

    public static string ScreenshotFolder { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    public static async Task<AdminBrowser> StartAsync(StackFixture stack)
    {
        // The first render of a fresh admin process, or a create, is slow on a busy 2-core machine.
        Assertions.SetDefaultExpectTimeout(30_000);
        var playwright = await Playwright.CreateAsync();
        return new AdminBrowser(playwright, await LaunchChromiumAsync(playwright), stack.EndpointOf("admin"));
    }

    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        // The machine has no network: without these Chromium keeps dialling Google's hosts.
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"],
    });

    // A fresh browser context (no cookies) in the operator's time zone, on the shared admin
    // unless another admin process is named.
    public async Task<IPage> NewPageAsync(int width = DesktopWidth, Uri? admin = null)
    {
        var context = await _browser.NewContextAsync(new()
        {
            BaseURL = (admin ?? AdminAddress).ToString(),
            TimezoneId = OperatorTimeZone,
            ViewportSize = new() { Width = width, Height = width == PhoneWidth ? 844 : 900 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    // A fresh context signed in as the run's operator, on the campaigns page.
    public async Task<IPage> SignedInPageAsync(string password, int width = DesktopWidth, Uri? admin = null)
    {
        var page = await NewPageAsync(width, admin);
        await page.GotoAsync("/signin");
        await SignInAsync(page, DevelopmentTokens.OperatorUserName, password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Campaigns" })).ToBeVisibleAsync();
        return page;
    }

    public static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.Locator("input[name=userName]").FillAsync(userName);
        await page.Locator("input[name=password]").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, $"{name}.png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Coupon.sln")))
            folder = folder.Parent;
        return folder?.FullName ?? AppContext.BaseDirectory;
    }
}
