namespace Coupon.Tests.Fixture;

// Tests that use the servers: `[Collection(StackCollection.Name)]` and a constructor taking StackFixture.
// xunit runs the tests of one collection one after another and starts the fixture once per run.
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "Coupon stack";
}
