using System.Reflection;

namespace Coupon.Tests.Fixture;

// The fast filter (`--filter "Needs!=Stack"`) is only as good as the trait: a class that takes
// the stack but lacks it would start the servers in a run that promises none.
public sealed class StackTraitTests
{
    [Fact]
    public void Every_test_class_that_takes_the_stack_is_in_its_collection_and_carries_the_trait()
    {
        var unmarked = typeof(StackTraitTests).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.GetMethods().Any(m => m.IsDefined(typeof(FactAttribute))))
            .Where(type => type.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(StackFixture))))
            .Where(type => !InStackCollection(type) || !HasStackTrait(type))
            .Select(type => type.FullName)
            .ToList();

        Assert.True(unmarked.Count == 0, "Without [Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]: " + string.Join(", ", unmarked));
    }

    private static bool InStackCollection(Type type) =>
        type.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CollectionAttribute)
            && a.ConstructorArguments.FirstOrDefault().Value as string == StackCollection.Name);

    private static bool HasStackTrait(Type type) =>
        type.GetCustomAttributesData().Any(a => a.AttributeType == typeof(TraitAttribute)
            && a.ConstructorArguments.Select(arg => arg.Value as string).SequenceEqual([StackCollection.Needs, StackCollection.Stack]));
}
