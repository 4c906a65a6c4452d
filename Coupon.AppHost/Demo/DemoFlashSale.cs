using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Coupon.AppHost.Hosting;
using Coupon.Core.Auth;
using Coupon.Core.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coupon.AppHost.Demo;

// The api's "Demo flash sale" command, for a Development run only (never in the manifest, never
// in Production): a new campaign, and synthetic users asking for it through the api's own address
// at an even pace for a bounded time, with tokens from the development keys, so that the console's
// chart and the dashboard's metrics and traces show real work. It lives in the AppHost, a
// development tool, so that no production project carries load code. AppHost:DemoFlashSale:Users,
// :Quantity and :Seconds size it.
public static class DemoFlashSale
{
    public const string CommandName = "demo-flash-sale";

    private const int Connections = 64;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public static IResourceBuilder<ProjectResource> WithDemoFlashSale(this IResourceBuilder<ProjectResource> api)
    {
        var builder = api.ApplicationBuilder;
        if (!builder.ExecutionContext.IsRunMode || !builder.Environment.IsDevelopment())
            return api;
        var settings = builder.Configuration.GetSection("AppHost:DemoFlashSale");
        var sale = new Sale(settings.GetValue("Users", 4_000), settings.GetValue("Quantity", 2_000),
            TimeSpan.FromSeconds(settings.GetValue("Seconds", 20.0)));
        var keys = builder.Resources.OfType<ParameterResource>().ToList();
        var userKey = keys.Single(parameter => parameter.Name == DevelopmentTokens.UserKeyName);
        var operatorKey = keys.Single(parameter => parameter.Name == DevelopmentTokens.OperatorKeyName);
        var endpoint = api.GetEndpoint("http");

        return api.WithCommand(CommandName, "Demo flash sale", async context =>
        {
            var users = TokenSigning.ForUsers((await userKey.GetValueAsync(context.CancellationToken))!);
            var operators = TokenSigning.ForOperators((await operatorKey.GetValueAsync(context.CancellationToken))!);
            return await sale.RunAsync(new Uri(endpoint.Url), users, operators, context.Logger, context.CancellationToken);
        }, new CommandOptions
        {
            Description = $"A new campaign of {sale.Quantity:N0} coupons, and {sale.Users:N0} synthetic users asking for it over {sale.Duration.TotalSeconds:N0} s.",
            IconName = "Flash",
            UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    private sealed record Sale(int Users, int Quantity, TimeSpan Duration)
    {
        public async Task<ExecuteCommandResult> RunAsync(Uri api, TokenSigning users, TokenSigning operators,
            ILogger logger, CancellationToken cancellationToken)
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections })
            {
                BaseAddress = api,
                Timeout = RequestTimeout,
            };
            long campaign;
            try
            {
                var now = DateTimeOffset.UtcNow;
                campaign = (await CampaignCreation.CreateAsync(http, operators.CreateOperatorToken(DevelopmentTokens.OperatorUserName, TimeSpan.FromMinutes(5)),
                    new CampaignRequest($"Demo flash sale {now:HH:mm:ss}", Quantity, 1000m, 0m, now.AddMinutes(-1), now.AddHours(1)), cancellationToken)).Id;
            }
            catch (Exception error) when (error is InvalidOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return CommandResults.Failure($"Creating the demo campaign: {error.Message}");
            }
            logger.LogInformation("Demo flash sale: campaign {Campaign} of {Quantity} coupons, {Users} users over {Seconds} s",
                campaign, Quantity, Users, Duration.TotalSeconds);

            var answers = new ConcurrentDictionary<string, int>();
            var clock = Stopwatch.StartNew();
            // A slow api does not stretch the demo: what is not asked by then is not asked.
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(Duration + RequestTimeout);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Connections, CancellationToken = bound.Token };
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(1, Users), parallel, async (user, token) =>
                {
                    // User n is due n/Users of the way through: an even pace over Duration.
                    var due = Duration * (user - 1) / Users - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                        await Task.Delay(due, token);
                    var answer = await IssueAsync(http, campaign, users.CreateUserToken(user, TimeSpan.FromMinutes(5)), token);
                    answers.AddOrUpdate(answer, 1, (_, count) => count + 1);
                });
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Demo flash sale: stopped after {Seconds:N0} s, the api answering slowly", clock.Elapsed.TotalSeconds);
            }

            var summary = string.Join(", ", answers.OrderByDescending(answer => answer.Value).Select(answer => $"{answer.Key} ×{answer.Value:N0}"));
            var message = $"Campaign {campaign} ({Quantity:N0} coupons): {answers.Values.Sum():N0} of {Users:N0} users in {clock.Elapsed.TotalSeconds:N1} s; {summary}";
            logger.LogInformation("Demo flash sale: {Summary}", message);
            var data = JsonSerializer.Serialize(new { campaign, quantity = Quantity, users = Users, answers });
            return CommandResults.Success(message, data, CommandResultFormat.Json);
        }

        private static async Task<string> IssueAsync(HttpClient http, long campaign, string token, CancellationToken cancellationToken)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{campaign}/issue");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request, cancellationToken);
                return await AnswerOfAsync(response);
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return "no answer";
            }
        }


        // The status and, for a problem, its stable code: "409 sold-out".
        private static async Task<string> AnswerOfAsync(HttpResponseMessage response)
        {
            var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (response.IsSuccessStatusCode)
                return status;
            try
            {
                using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return problem.RootElement.TryGetProperty("code", out var code) ? $"{status} {code.GetString()}" : status;
            }
            catch (JsonException)
            {
                return status;
            }
        }
    }
}
