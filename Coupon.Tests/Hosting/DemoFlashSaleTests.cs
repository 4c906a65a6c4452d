using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using Coupon.AppHost.Demo;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Coupon.Tests.Hosting;

// The api's "Demo flash sale" dashboard command, run through Aspire's resource commands as the
// dashboard runs it, sized short by the fixture (AppHost:DemoFlashSale:*): a new campaign sold out
// by synthetic users, every 202 a row in MySQL.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class DemoFlashSaleTests(StackFixture stack, ITestOutputHelper output) : SharedApiTests(stack)
{
    [Fact]
    public async Task The_dashboard_command_sells_a_new_campaign_out_and_every_202_is_a_row()
    {
        var result = await Stack.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync("api", DemoFlashSale.CommandName);
        output.WriteLine(result.Message);

        Assert.True(result.Success, result.Message);
        var sale = JsonNode.Parse(result.Data!.Value)!;
        var (campaign, quantity, users) = ((long)sale["campaign"]!, (int)sale["quantity"]!, (int)sale["users"]!);
        var answers = sale["answers"]!.AsObject().ToDictionary(answer => answer.Key, answer => (int)answer.Value!);
        Assert.Equal(StackFixture.DemoSale.Users, users);
        // Every user asked, and the campaign sold out.
        Assert.True(answers.Values.Sum() == users && answers.GetValueOrDefault("202") == quantity, result.Message);
        // Every user asked once, so the 202s are the rows: wait for them, then the invariants.
        var rows = await Poll.UntilAsync(() => Invariants.RowsAsync(campaign), rows => rows.Count >= quantity, CampaignInvariants.DefaultDrainTimeout);
        Assert.All(rows, user => Assert.InRange(user, 1, users));
        await Invariants.AssertAsync(campaign, quantity, accepted: rows, refused: []);
        Assert.Equal(quantity, (await Invariants.RowsAsync(campaign)).Count);
    }
}
