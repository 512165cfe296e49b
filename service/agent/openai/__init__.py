"""The OpenAI-compatible agent (AI_PROVIDER=openai): chat completions with tools.

Speaks the chat-completions protocol over httpx, so one implementation serves
OpenAI, Gemini's and OpenRouter's OpenAI-compatible endpoints, Ollama, vLLM and
LM Studio.
"""

from service.agent.openai.agent import OpenAIAgent, agent_from_settings

__all__ = ["OpenAIAgent", "agent_from_settings"]
