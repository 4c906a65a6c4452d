namespace Coupon.Tests.Fixture;

// Tests that use the servers: `[Collection(StackCollection.Name), Trait(StackCollection.Needs,
// StackCollection.Stack)]` and a constructor taking StackFixture. xunit runs the tests of one
// collection one after another and starts the fixture once per run; the trait lets
// `dotnet test --filter "Needs!=Stack"` run everything else in seconds.
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "Coupon stack";

    public const string Needs = "Needs";

    public const string Stack = "Stack";
}
