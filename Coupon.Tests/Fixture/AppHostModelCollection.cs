namespace Coupon.Tests.Fixture;

// Tests that build the AppHost's model without starting it (Aspire.Hosting.Testing runs the
// AppHost's Program up to its Build). They run alone, after the parallel collections, so that
// none overlaps the stack collection's start of the same AppHost.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostModelCollection
{
    public const string Name = "AppHost models";
}
