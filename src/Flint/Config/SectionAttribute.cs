namespace Flint.Config;

/// <summary>Marks a property of a settings record as a section of settings (<c>trainer</c>, <c>optimizer</c>, …).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SectionAttribute : Attribute;
