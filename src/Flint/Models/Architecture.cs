namespace Flint.Models;

/// <summary>The model families a preset can build.</summary>
public enum Architecture
{
    /// <summary>GPT-2-style decoder (<see cref="Gpt"/>).</summary>
    Gpt,
    /// <summary>BERT-style encoder (<see cref="Bert"/>).</summary>
    Bert,
    /// <summary>The NAACL 2019 tutorial's decoder (<see cref="TutorialTransformer"/>).</summary>
    Tutorial,
}
